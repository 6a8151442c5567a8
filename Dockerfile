# syntax=docker/dockerfile:1
# The gitops-agent image: Node 24, the production dependencies only, kustomize and helm built from their Go
# modules at the versions the tests use (test/tools/versions.sh), git, a non-root user, and tini as PID 1 in
# front of the agent (which handles the SIGTERM tini forwards: stops taking work, lets syncs in flight stop,
# releases its Leases, exits 0).
#   docker build --build-arg VERSION=$(node -p 'require("./package.json").version') -t gitops-agent .

# kustomize and helm, built by the same script and pins as the tests' binaries.
FROM golang:1.26-bookworm AS tools
COPY test/tools/build.sh test/tools/versions.sh /src/test/tools/
RUN GITOPS_TESTENV_CACHE=/cache bash /src/test/tools/build.sh helm \
 && GITOPS_TESTENV_CACHE=/cache bash /src/test/tools/build.sh kustomize \
 && mkdir /out && cp /cache/bin/helm-v*/helm /cache/bin/kustomize-v*/kustomize /out/

# The app's layout: the one scripts/image-layout.sh makes (the layout test runs the same script).
FROM node:24-bookworm-slim AS app
WORKDIR /build
COPY package.json package-lock.json .npmrc ./
COPY bin ./bin
COPY src ./src
COPY scripts/image-layout.sh ./scripts/
RUN bash scripts/image-layout.sh /app

FROM node:24-bookworm-slim
# The version `gitops-agent --version` prints: package.json's (a unit test keeps this default equal to it).
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="gitops-agent" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.source="https://github.com/gitops-agent/gitops-agent" \
      org.opencontainers.image.licenses="Apache-2.0"
# git (and the CAs it verifies HTTPS with) for the remote kustomize bases a target allows: kustomize runs git.
# tini as PID 1 reaps what the render tools' killed process groups orphan, which node as PID 1 never waits for.
RUN apt-get update \
 && apt-get install -y --no-install-recommends git ca-certificates tini \
 && rm -rf /var/lib/apt/lists/*
RUN groupadd --gid 10001 agent && useradd --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin agent
COPY --from=tools /out/helm /out/kustomize /usr/local/bin/
COPY --from=app /app /app
# A read-only root filesystem: every write goes to /tmp or the cache volume the chart mounts.
ENV NODE_ENV=production \
    HOME=/tmp \
    GITOPS_AGENT_HELM=/usr/local/bin/helm \
    GITOPS_AGENT_KUSTOMIZE=/usr/local/bin/kustomize
USER 10001:10001
EXPOSE 9090
# Exec form, no shell in between: tini forwards SIGTERM to node and exits with node's exit code.
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/bin/gitops-agent.mjs"]
CMD ["run", "--config", "/etc/gitops-agent/agent.yaml"]
