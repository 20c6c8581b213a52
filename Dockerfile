# kwh's container image: the static binary goreleaser built (CGO_ENABLED=0)
# on distroless/static, run as a non-root user. goreleaser's dockers_v2 puts
# each platform's binary under $TARGETPLATFORM/ in the build context; build
# it with `goreleaser release --snapshot --clean` (Docker required), not
# `docker build .`. deploy/compose.yaml runs it: two replicas on one Redis.
FROM gcr.io/distroless/static-debian12:nonroot
ARG TARGETPLATFORM
COPY $TARGETPLATFORM/kwh /usr/bin/kwh
USER nonroot:nonroot
# Kibo's pushes; add --metrics-addr 0.0.0.0:9090 for Prometheus, and never
# publish that port where Kibo (the internet) can reach it.
EXPOSE 8080
ENTRYPOINT ["/usr/bin/kwh"]
CMD ["listen", "--host", "0.0.0.0", "--port", "8080"]
