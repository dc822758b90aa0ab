# One app replica (compose.yaml runs three behind nginx). Not built here: this machine has no
# container runtime; `make hall` runs the same layout with Debian's nginx and is what the tests run.
FROM python:3.11-slim
WORKDIR /loss-mountain
COPY requirements.txt .
# pinned exactly, as everywhere (the default torch wheel for Linux is the larger CUDA build)
RUN pip install --no-cache-dir -r requirements.txt
COPY .streamlit .streamlit
COPY core core
COPY app app
EXPOSE 8501
HEALTHCHECK --interval=5s --timeout=2s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health')"
CMD ["python", "-m", "streamlit", "run", "app/main.py", "--server.port", "8501", "--server.address", "0.0.0.0"]
