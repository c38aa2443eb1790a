# syntax=docker/dockerfile:1
# Build stage: compile wheels and the virtual environment once.
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update && apt-get install -y --no-install-recommends build-essential libpq-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt .
RUN python -m venv /venv && /venv/bin/pip install -r requirements.txt

# Runtime stage: the venv, the code and collected static files, run as an unprivileged user.
FROM python:3.11-slim-bookworm AS runtime
ENV PATH=/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=tokshop.settings.production \
    HOST=0.0.0.0 \
    PORT=8000
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin tokshop
WORKDIR /app
COPY --from=build /venv /venv
COPY --chown=tokshop:tokshop . .
# collectstatic needs settings, not services: throwaway values that never reach a running container.
RUN DJANGO_SECRET_KEY=collectstatic DATABASE_URL=postgres://x/x REDIS_URL=redis://x DJANGO_ALLOWED_HOSTS=x \
    python manage.py collectstatic --no-input \
    && mkdir -p /app/media /app/private && chown tokshop:tokshop /app/media /app/private
USER tokshop
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/api/health').status != 200)"
CMD ["sh", "-c", "python manage.py serve --web-only --host $HOST --port $PORT"]
