# digestcms: the web process (gunicorn) and, with another command, the workers (qcluster).
# Build: docker build -t digestcms .      Run: see compose.yaml and docs/deploy.md.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=digestcms.settings.prod \
    DIGESTCMS_VAR_DIR=/app/var \
    WEB_CONCURRENCY=3

WORKDIR /app

RUN groupadd --system --gid 10001 digestcms \
    && useradd --system --uid 10001 --gid digestcms --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin digestcms

# Dependencies first, so a code change does not reinstall them.
COPY requirements.txt ./
RUN pip install -r requirements.txt

# Part of every public page's ETag, so browsers do not keep a page an older release rendered
# (declared after the dependencies, so a new release does not reinstall them).
ARG DIGESTCMS_RELEASE=""
ENV DIGESTCMS_RELEASE=${DIGESTCMS_RELEASE}

COPY . .

# Static files are collected into the image (whitenoise serves them); the settings need their
# required variables to load, so collectstatic gets placeholders that are used for nothing else.
RUN SECRET_KEY=collectstatic-only-placeholder ALLOWED_HOSTS=localhost \
    DATABASE_URL=postgres://unused@localhost/unused \
    python manage.py collectstatic --noinput \
    && mkdir -p /app/var/media \
    && chown -R digestcms:digestcms /app/var

USER digestcms

EXPOSE 8000

# Database and broker only: stale feeds are the workers' problem, not a reason to take this
# web container out of service (monitoring asks /healthz/ for everything). The Host header must
# be one Django accepts, so it is the first of ALLOWED_HOSTS.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as u; h = os.environ.get('ALLOWED_HOSTS', '').split(',')[0].strip().lstrip('.'); h = h if h not in ('', '*') else 'localhost'; u.urlopen(u.Request('http://127.0.0.1:8000/healthz/?checks=database,broker', headers={'Host': h}), timeout=8)"]

# --preload: Django (and its JSON logging) is loaded before gunicorn's own start-up lines.
CMD ["gunicorn", "digestcms.wsgi:application", \
     "--bind", "0.0.0.0:8000", \
     "--preload", \
     "--no-control-socket", \
     "--access-logfile", "-", \
     "--error-logfile", "-", \
     "--timeout", "60", \
     "--graceful-timeout", "30", \
     "--max-requests", "2000", \
     "--max-requests-jitter", "200"]
