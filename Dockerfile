# Builds the overdue-operator manager image: a static Go binary, compiled in
# the golang:1.26 image and run as user 65532 in an empty image that holds
# only the binary and the CA certificates that verify an SMTP server's TLS
# certificate. It has no shell and no package manager. Time zone data is
# embedded in the binary.
#
# NOTE: this file has not been built yet, because the machine it was written
# on has no container engine. `make docker-build` builds it as
# overdue-operator:dev where Docker is available.
FROM golang:1.26 AS builder
ARG TARGETOS
ARG TARGETARCH

WORKDIR /workspace
# The module download is its own layer, so that a source change does not
# download the dependencies again.
COPY go.mod go.sum ./
RUN go mod download

COPY main.go ./
COPY api/ api/
COPY controllers/ controllers/
COPY internal/ internal/

# CGO_ENABLED=0 links statically, because the runtime image has no C
# library. TARGETOS and TARGETARCH come from `docker buildx --platform`.
RUN CGO_ENABLED=0 GOOS=${TARGETOS:-linux} GOARCH=${TARGETARCH} \
    go build -trimpath -ldflags="-s -w" -o manager .

FROM scratch
WORKDIR /
COPY --from=builder /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=builder /workspace/manager /manager
USER 65532:65532
ENTRYPOINT ["/manager"]
