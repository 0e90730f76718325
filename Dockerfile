# One image for every Node service of the platform: the users, products and
# orders subgraphs, the gateway and the REST shim. docker-compose.yml runs it
# once per service and picks the service by its command.
FROM node:20-bookworm-slim

# Prisma's schema engine (`prisma migrate deploy`) links against OpenSSL; it has
# to be here before `npm ci` so that Prisma downloads the matching engine build.
RUN apt-get update \
 && apt-get install -y --no-install-recommends openssl ca-certificates \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# The root postinstall (scripts/generate.js) needs the Prisma schemas and the
# GraphQL schemas, so the sources come in before the install.
COPY . .

# The locked dependencies, dev ones included (the generator needs them). Here,
# unlike on the build machines, npm runs install scripts, so Prisma fetches its
# schema engine now rather than at container start.
RUN npm ci

# The three Prisma clients and the subgraphs' resolver types. postinstall has
# already run it; running it by name keeps the image right wherever npm is
# configured not to run install scripts.
RUN npm run generate

# Nothing is written at run time (the data lives in PostgreSQL), so no root.
USER node

# gateway 4000; subgraphs 4001-4003; REST shim 8000-8003 (lib/config.ts defaults).
EXPOSE 4000 4001 4002 4003 8000 8001 8002 8003
