# Drover's container image: `drover` as the entrypoint, the task runner (`drover task-runner`, :8888)
# by default; `serve`, `worker` and every other command by argument. Non-root (uid 1000).
#
#   docker build -t drover .
#   docker build --build-arg AGENTS="claude codex gemini" -t drover .
#   docker run --rm -p 8888:8888 -e ANTHROPIC_API_KEY=... drover
#   docker run --rm drover worker --redis redis://redis:6379 --no-healthcheck
ARG NODE_VERSION=20

# --- build: compile, test-free; pack exactly what a release ships ---------------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS build
# better-sqlite3 compiles from source when no prebuilt binary matches the platform.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build \
 && npm pack --pack-destination /tmp/pack \
 && node deploy/docker/install-drover.mjs --prefix /opt/drover --tarball /tmp/pack/drover-*.tgz --deps-from /src

# --- agents: the agent CLIs the image carries (space- or comma-separated; "none" for none) -----------
FROM node:${NODE_VERSION}-bookworm-slim AS agents
ARG AGENTS="claude"
ARG CLAUDE_CODE_VERSION=2.1.330
ARG CODEX_VERSION=0.169.0
ARG GEMINI_CLI_VERSION=0.61.0
RUN set -eu; pkgs=""; \
    for agent in $(echo "$AGENTS" | tr ',' ' '); do \
      case "$agent" in \
        claude) pkgs="$pkgs @anthropic-ai/claude-code@$CLAUDE_CODE_VERSION" ;; \
        codex) pkgs="$pkgs @openai/codex@$CODEX_VERSION" ;; \
        gemini) pkgs="$pkgs @google/gemini-cli@$GEMINI_CLI_VERSION" ;; \
        none) ;; \
        *) echo "AGENTS: unknown agent '$agent' (claude, codex, gemini or none)" >&2; exit 1 ;; \
      esac; \
    done; \
    mkdir -p /opt/agents/bin; \
    if [ -n "$pkgs" ]; then npm install --global --prefix /opt/agents --omit=dev --no-audit --no-fund $pkgs; fi

# --- runtime ------------------------------------------------------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim
# git for workspaces, bubblewrap for the sandbox (needs user namespaces; else Drover falls back with a
# warning), tini as PID 1 so orphaned agent processes are reaped and signals reach Drover.
RUN apt-get update \
 && apt-get install -y --no-install-recommends git bubblewrap ca-certificates openssh-client tini \
 && rm -rf /var/lib/apt/lists/*
# The base image's uid 1000 (`node`) becomes `drover`; Drover's install stays root-owned, read-only.
RUN groupmod -n drover node \
 && usermod -l drover -d /home/drover -m node \
 && mkdir -p /var/lib/drover \
 && chown 1000:1000 /var/lib/drover
COPY --from=build /opt/drover /opt/drover
COPY --from=agents /opt/agents /opt/agents
ENV PATH=/opt/drover/bin:/opt/agents/bin:$PATH \
    HOME=/home/drover \
    NODE_ENV=production \
    DROVER_DATA_DIR=/var/lib/drover
USER 1000:1000
WORKDIR /home/drover
EXPOSE 8888 7700
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 CMD ["node", "/opt/drover/healthcheck.mjs"]
ENTRYPOINT ["/usr/bin/tini", "--", "drover"]
CMD ["task-runner"]
