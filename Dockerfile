# syntax=docker/dockerfile:1
# Sunlight portal: a static, CGO-free binary on a distroless base, run as a
# non-root user, with its data (SQLite file, uploads, search index) on /data.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/portal ./cmd/portal \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/portal /usr/local/bin/portal
COPY --from=build --chown=65532:65532 /out/data /data
ENV SUNLIGHT_ADDR=0.0.0.0:8080 \
    SUNLIGHT_DATA_DIR=/data
VOLUME ["/data"]
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/portal"]
CMD ["serve"]
