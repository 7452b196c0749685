// Calls to the matrixqa JSON API; every failure becomes an Error with a message fit to show.

async function request(method, path, body) {
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new Error("The server could not be reached. Check that matrixqa is running, then try again.");
  }
  let payload = null;
  try {
    payload = await response.json();
  } catch {
    payload = null;
  }
  if (!response.ok) {
    const reason = payload && typeof payload.error === "string" ? payload.error : `the server answered ${response.status}`;
    throw new Error(reason);
  }
  return payload;
}

export const ask = (question, history, detail, filters) =>
  request("POST", "/api/ask", { question, history, detail, filters });

export const sendFeedback = (id, helpful, comment) => request("POST", "/api/feedback", { id, helpful, comment });

export const cells = () => request("GET", "/api/cells");

export const passageContext = (id) => request("GET", `/api/passages/${encodeURIComponent(id)}/context`);
