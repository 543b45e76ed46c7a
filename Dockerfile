# inventory_auth under gunicorn. Configure with environment variables (see docs/operations.md).
FROM python:3.11-slim

# BIND_HOST: gunicorn binds the loopback address unless told; in a container its proxy is another
# container, so every interface of the container's own network (publish only the proxy's port).
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    APP_ENV=production \
    BIND_HOST=0.0.0.0

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY wsgi.py gunicorn.conf.py Procfile ./
COPY inventory_auth ./inventory_auth
COPY migrations ./migrations
RUN useradd --system --home /app inventory \
    && mkdir -p /app/instance && chown inventory /app/instance
USER inventory

EXPOSE 8001
# Migrations are a release step: `docker compose run --rm auth flask --app wsgi db upgrade`.
CMD ["python", "-m", "inventory_auth.serve"]
