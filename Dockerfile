# One image for web, worker, beat and the one-shot migrate step (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    # The source tree (templates/, static/ and the apps) is the code that runs; `pip install .`
    # provides the dependencies. settings.BASE_DIR is the parent of spm/, i.e. /app.
    PYTHONPATH=/app

WORKDIR /app
COPY pyproject.toml ./
COPY spm ./spm
COPY planning ./planning
COPY performance ./performance
COPY compensation ./compensation
COPY analytics ./analytics
RUN pip install .

COPY manage.py ./
COPY templates ./templates
COPY static ./static
# collectstatic needs settings but no secrets: the local settings carry a throwaway key.
RUN DJANGO_SETTINGS_MODULE=spm.settings.local python manage.py collectstatic --noinput --verbosity 0

RUN useradd --create-home --uid 10001 app && chown -R app /app
USER app
EXPOSE 8000
ENV DJANGO_SETTINGS_MODULE=spm.settings.production
CMD ["gunicorn", "spm.wsgi", "--bind", "0.0.0.0:8000", "--workers", "2", "--access-logfile", "-"]
