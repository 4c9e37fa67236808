# newsdigest: one image for every role (`newsdigest run --role ...`) and every command.
#
#   docker build -t newsdigest:latest .
#   docker run -d -v newsdigest-data:/data -e TELEGRAM_BOT_TOKEN=... newsdigest:latest
#   docker run --rm -v newsdigest-data:/data newsdigest:latest sources add https://example.org/rss.xml
#
# Configuration comes from the environment (NEWSDIGEST_<SECTION>__<KEY>, see
# config.example.toml); `docker run ... newsdigest:latest config show` prints what is in effect.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# A fixed uid/gid so a bind-mounted data directory can be chown-ed to it on the host.
RUN groupadd --system --gid 10001 newsdigest \
    && useradd --system --uid 10001 --gid newsdigest --home-dir /data --no-create-home --shell /usr/sbin/nologin newsdigest \
    && mkdir /data \
    && chown newsdigest:newsdigest /data

WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY bot ./bot
COPY digests ./digests
# "scale" brings procrastinate and the PostgreSQL drivers (the multi-process roles);
# build with --build-arg EXTRAS=postgres (or "") for a smaller image.
ARG EXTRAS=scale
# The checkout itself is installed; its dependencies' ranges are pyproject.toml's.
# hadolint ignore=DL3013
RUN pip install --no-cache-dir ".${EXTRAS:+[$EXTRAS]}" \
    && rm -rf /src/build /src/*.egg-info

WORKDIR /data
# Inside a container: the SQLite file on the volume, every listener reachable through the
# published ports, /healthz served for the HEALTHCHECK below.
ENV NEWSDIGEST_DB=/data/newsdigest.db \
    NEWSDIGEST_METRICS__ENABLED=true \
    NEWSDIGEST_METRICS__LISTEN=0.0.0.0:9464 \
    NEWSDIGEST_TELEGRAM__WEBHOOK_LISTEN=0.0.0.0 \
    NEWSDIGEST_SLACK__HTTP_LISTEN=0.0.0.0 \
    NEWSDIGEST_LOGGING__FORMAT=json
VOLUME ["/data"]
# metrics + health, Telegram webhook, Slack HTTP mode
EXPOSE 9464 8443 3000

# Numeric, so orchestrators (runAsNonRoot) can tell it is not root: the newsdigest user.
USER 10001:10001

# python -m bot.health finds the address this configuration serves /healthz on (the
# webhook receiver or the metrics listener); NEWSDIGEST_ROLE tells it the role.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["python", "-m", "bot.health"]

ENTRYPOINT ["newsdigest"]
CMD ["run"]
