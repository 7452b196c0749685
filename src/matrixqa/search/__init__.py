"""A question becomes ranked passages and a decision: the retriever and the fusion of its evidence."""
