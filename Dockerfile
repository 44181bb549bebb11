# RepairNet production image: gunicorn + whitenoise; the same image runs the Celery worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1

# fonts-wqy-zenhei: an embeddable CJK TrueType font for reportlab PDFs (Noto CJK is OpenType-CFF,
# which reportlab cannot embed). gettext is not needed: compiled .mo catalogues are committed.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-wqy-zenhei \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 1000 repairnet
WORKDIR /app

COPY pyproject.toml ./
RUN pip install --upgrade pip && mkdir -p repairnet && pip install .
COPY . .

# collectstatic needs settings that do not touch the database or require real secrets.
RUN DEBUG=False SECRET_KEY=build-only-not-secret ALLOWED_HOSTS=localhost DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    python manage.py collectstatic --noinput

RUN mkdir -p /app/private_media && chown -R repairnet /app/private_media
USER repairnet
EXPOSE 8000
CMD ["gunicorn", "repairnet.wsgi:application", "-c", "gunicorn.conf.py"]
