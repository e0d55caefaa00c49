# Builds the overdue-operator manager image: a static Go binary, compiled in
# the golang:1.26 image and run as the nonroot user (65532) of distroless's
# static image, which has no shell and no package manager.
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

FROM gcr.io/distroless/static:nonroot
WORKDIR /
COPY --from=builder /workspace/manager /manager
USER 65532:65532
ENTRYPOINT ["/manager"]
