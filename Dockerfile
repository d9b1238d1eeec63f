# One image for every orderflow service; the subcommand chooses which runs,
# e.g. `docker run orderflow:dev api`. docker-compose.yml builds it as orderflow:dev.

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
COPY --from=build /out/orderflow /orderflow
# DATA_DIR for goka's local tables. A new named volume mounted here copies this
# directory's owner, so the non-root user can write to it.
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
ENTRYPOINT ["/orderflow"]
