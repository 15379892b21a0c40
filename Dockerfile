# chile-id-ocr: the HTTP service (and the batch command) in a container. docs/docker.md; compose.yaml runs it
# beside PostgreSQL. The install step is the one scripts/setup.sh runs (pip install of the package with its
# `server` extra; tests/test_packaging.py checks that CI installs every extra the image does).
# The models are inside: the text models ship in the rapidocr wheel, the card's own in the package
# (chile_id_ocr/models/weights); nothing is downloaded at run time.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---- build: a virtual environment with the package and its extras, checked before it is copied
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/chile-id-ocr
COPY pyproject.toml README.md ./
COPY src ./src
RUN /opt/chile-id-ocr/bin/python -m pip install ".[server]"
# The models are in the environment, and the command starts.
RUN /opt/chile-id-ocr/bin/python -c "import importlib.resources as r; \
w = r.files('chile_id_ocr') / 'models' / 'weights'; m = r.files('rapidocr') / 'models'; \
assert (w / 'card_mask.onnx').is_file() and (w / 'card_head.npz').is_file(), 'card models missing'; \
assert any(p.name.endswith('.onnx') for p in m.iterdir()), 'text models missing'" \
 && /opt/chile-id-ocr/bin/chile-id-ocr --version

# ---- run: the environment alone, as an unprivileged user
FROM ${PYTHON_IMAGE}
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/chile-id-ocr --create-home \
        --shell /usr/sbin/nologin chile-id-ocr \
 && chmod 0700 /var/lib/chile-id-ocr
COPY --from=build /opt/chile-id-ocr /opt/chile-id-ocr
ENV PATH=/opt/chile-id-ocr/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    CHILE_ID_OCR_DATA_DIR=/var/lib/chile-id-ocr \
    CHILE_ID_OCR_HOST=0.0.0.0 \
    CHILE_ID_OCR_PORT=8000
USER chile-id-ocr
WORKDIR /var/lib/chile-id-ocr
# The SQLite database (when DATABASE_URL is not set) and master.key live here: keep it on a volume.
VOLUME ["/var/lib/chile-id-ocr"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ.get('CHILE_ID_OCR_PORT', '8000'), timeout=4)"]
ENTRYPOINT ["chile-id-ocr"]
CMD ["serve"]
