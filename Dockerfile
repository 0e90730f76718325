# One image for every Node service of the platform: the users, products and
# orders subgraphs and the gateway (whose process also serves the legacy REST
# API, compiled from rest-shim/src). docker-compose.yml runs it once per
# service and picks the service by its command.

# Build stage: every dependency, the generated code, TypeScript compiled to dist/.
FROM node:20-bookworm-slim AS build
WORKDIR /app
# The generator needs the Prisma and GraphQL schemas, so the sources come first.
COPY . .
# Locked dependencies, dev ones included (generator, compiler). No install
# scripts: nothing here needs a downloaded engine, and the next line generates.
RUN npm ci --ignore-scripts
# The dependencies' patches (patches/README.md), the three Prisma clients (TypeScript, compiled with the rest) and the
# resolver types.
RUN npm run generate
RUN npm run build

# Run stage: production dependencies and the compiled JavaScript only.
FROM node:20-bookworm-slim AS runtime
# tini as PID 1: forwards SIGTERM to Node (which stops cleanly) and reaps zombies.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
# lib/config.ts SERVICE_NODE_OPTIONS: a small young generation keeps each process's memory down (docs/benchmarks.md).
ENV NODE_OPTIONS=--max-semi-space-size=8
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist ./dist
# The patched @apollo/gateway of the build stage (patches/README.md): patch-package is a development dependency.
COPY --from=build /app/node_modules/@apollo/gateway ./node_modules/@apollo/gateway
COPY docker/healthcheck.js ./docker/healthcheck.js

# Nothing is written at run time (the data lives in PostgreSQL), so no root.
USER node

# gateway 4000 and, in the same process, the legacy REST API 8000-8003; subgraphs 4001-4003; each process's own
# /metrics listener 9400-9403 (lib/config.ts defaults in production; for Prometheus, never to be published).
EXPOSE 4000 4001 4002 4003 8000 8001 8002 8003 9400 9401 9402 9403
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/gateway/src/main.js"]
