# Handoff's container image: docker build -t handoff . (deploying it: docs/deploy.md).
# test/install/production-install.test.ts runs this file's build script on a copy of the repository,
# copies what the runtime stage copies, and starts it with this file's ENV and CMD: keep the
# COPY --from=build, ENV, HEALTHCHECK and CMD lines in their one-line forms so it can read them.

FROM node:20-bookworm-slim AS build
# better-sqlite3 compiles from source when no prebuilt binary fits the platform.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . .
# npm ci (which compiles dist/), npm prune --omit=dev, and removing what production does not run.
RUN --mount=type=cache,target=/root/.npm sh .ci/production-build.sh

FROM node:20-bookworm-slim
# tini as PID 1: forwards SIGTERM to node (which then finishes in-flight work) and reaps zombies.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir /data /config \
 && chown node:node /data
WORKDIR /app
# Owned by root: the bot's user can read the code but not change it; it writes only to /data.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/migrations ./migrations
COPY --from=build /app/manifest.json ./manifest.json
COPY --from=build /app/handoff.config.example.yaml ./handoff.config.example.yaml
COPY --from=build /app/handoff.config.schema.json ./handoff.config.schema.json
ENV NODE_ENV=production DATABASE_URL=file:/data/handoff.db HANDOFF_CONFIG=/config/handoff.config.yaml PORT=3000
VOLUME /data
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"]
ENTRYPOINT ["tini", "--"]
CMD ["node", "--enable-source-maps", "dist/bin.js", "start"]
