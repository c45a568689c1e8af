# research-relay service image (used by docker-compose.yml): the compiled package run by plain
# node as a non-root user. Development tooling (local-infrastructure launchers, benchmarks,
# tests) stays out; only the stand-in that offline mode loads is compiled along.

# Stage 1: compile TypeScript to dist/.
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
RUN npm ci --ignore-scripts
COPY app ./app
COPY src ./src
COPY consumers ./consumers
COPY operator ./operator
COPY workflows ./workflows
COPY activities ./activities
COPY dev/standIn ./dev/standIn
COPY dev/build ./dev/build
RUN npm run build

# Stage 2: production dependencies and dist/ only.
FROM node:24-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist ./dist
# /metrics, /healthz, /readyz (SERVICE_HTTP_PORT)
EXPOSE 9464
USER node
# A young generation of at most 3 × 4 MiB instead of V8's up to 3 × 64: the service's live heap is
# ~40 MiB, and the default let RSS reach 340 MiB draining a backlog (240 with the cap; CPU time
# and drain time unchanged within noise).
CMD ["node", "--max-semi-space-size=4", "dist/app/service/serviceMain.js"]
