# One image for every orderflow service; the subcommand chooses which runs,
# e.g. `docker run orderflow:dev api`. docker-compose.yml builds it as orderflow:dev.
#
# It bakes in no secret: AUTH_HS256_SECRET (or AUTH_JWKS_*), NATS_PASSWORD
# and the like come from the environment the container is started with.

FROM golang:1.26 AS build
WORKDIR /src
# Modules first, so code changes do not download them again.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ENV CGO_ENABLED=0
RUN go build -trimpath -ldflags="-s -w" -o /out/orderflow ./cmd/orderflow \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
# On the PATH, so that `docker exec CONTAINER orderflow ...` finds it; the
# image itself names it by its full path and does not depend on PATH.
COPY --from=build /out/orderflow /usr/local/bin/orderflow
# The data folder belongs to the non-root user: goka's local tables, the
# gateway's ledger. A new named volume mounted here copies this owner, so
# the user can write to it; a bind mount must be writable by uid 65532.
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
# The working directory is the data folder too, so that a relative DATA_DIR
# given on the command line still lands somewhere writable.
WORKDIR /data
VOLUME /data
# Inside a container, loopback is the container's own: listen on every
# interface, so that published ports and the compose network reach the
# services. The binary's own defaults stay on loopback for a local run.
ENV DATA_DIR=/data \
    HTTP_ADDR=0.0.0.0:8080 \
    METRICS_ADDR=0.0.0.0:9090 \
    GATEWAY_ADDR=0.0.0.0:8090 \
    LOG_FORMAT=json
EXPOSE 8080 8090 9090
# Asks the service's METRICS_ADDR/readyz: ready once its processors run, or
# the API's view has caught up. Recovering large tables takes a while: the
# start period keeps that from counting as failures. `topics` exits before
# it matters.
HEALTHCHECK --interval=10s --timeout=5s --start-period=2m --retries=3 \
  CMD ["/usr/local/bin/orderflow", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/orderflow"]
