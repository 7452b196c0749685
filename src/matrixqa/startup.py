"""What a process sets for itself once, at its entry point (the CLI, the bench and eval scripts).

The stages below never change process-wide state: the environment the model's libraries read and
the threads numpy's BLAS may start are the entry point's to choose.
"""

from __future__ import annotations

import os

from threadpoolctl import ThreadpoolController

# Read by huggingface_hub and transformers (for torch, and for the ONNX export): local files only, quietly.
MODEL_ENVIRONMENT = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TRANSFORMERS_VERBOSITY": "error",
}
# A search's matrix products are small, and numpy's OpenBLAS runs them on several threads whose extra ones then
# spin, taking a core from the model's next pass. Only BLAS libraries on threads of their own are limited: a
# limit on OpenMP would hold only in the calling thread and would take FAISS's OpenMP threads with it.
BLAS_THREADS = 1


def keep_model_offline() -> None:
    """Set MODEL_ENVIRONMENT, but for a variable the environment already sets."""
    for variable, value in MODEL_ENVIRONMENT.items():
        os.environ.setdefault(variable, value)


def limit_blas_threads() -> None:
    """Run numpy's BLAS on BLAS_THREADS threads in the whole process; call it once the model and index are loaded,
    as only a library already loaded can be limited."""
    ThreadpoolController().select(threading_layer="pthreads").limit(limits=BLAS_THREADS, user_api="blas")
