# Lunas images: compiled JavaScript on Node 24 LTS, run as the unprivileged `node` user
# (docs/decisions/0007-compiled-js-in-production.md).
#   docker build .                      the API and the worker (target `runtime`, the default;
#                                       the command picks the process)
#   docker build --target simulator .   the local Midtrans simulator, for development only
# Neither image ships tests, the chaos run, the benchmarks, TypeScript sources or dev tools.
ARG NODE_IMAGE=node:24-bookworm-slim

# 1. Build: every dependency (dev ones too: tsc, patch-package, which patches the postgres
#    driver at install, docs/decisions/0006), compile, then drop dev dependencies and sources.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY apps/api/package.json apps/api/
COPY apps/worker/package.json apps/worker/
COPY packages/core/package.json packages/core/
COPY packages/db/package.json packages/db/
COPY packages/midtrans/package.json packages/midtrans/
COPY packages/runtime/package.json packages/runtime/
COPY packages/simulator/package.json packages/simulator/
COPY patches patches
RUN npm ci --no-audit --no-fund
COPY tsconfig.base.json ./
COPY apps apps
COPY packages packages
# prune keeps the patched driver as installed; it runs no install scripts. It also keeps
# typescript, an optional peer of @bull-board/api's valibot that nothing needs at run time.
RUN npm run build \
  && npm prune --omit=dev --no-audit --no-fund \
  && rm -rf node_modules/typescript node_modules/.bin/tsc node_modules/.bin/tsserver \
  && rm -rf apps/*/src packages/*/src apps/*/tsconfig.json packages/*/tsconfig.json \
  && find apps packages -name '*.tsbuildinfo' -delete \
  && npm cache clean --force

# 2. The Midtrans simulator: `docker build --target simulator .`
FROM ${NODE_IMAGE} AS simulator
ENV NODE_ENV=production SIM_HOST=0.0.0.0 SIM_PORT=4010
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/packages/core packages/core
COPY --from=build /app/packages/midtrans packages/midtrans
COPY --from=build /app/packages/simulator packages/simulator
USER node
EXPOSE 4010
CMD ["node", "packages/simulator/dist/cli.js"]

# 3. The API and the worker (default target). Bind every interface inside the container; the
#    published ports decide what is reachable.
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production HOST=0.0.0.0 METRICS_HOST=0.0.0.0
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/packages/core packages/core
COPY --from=build /app/packages/db packages/db
COPY --from=build /app/packages/midtrans packages/midtrans
COPY --from=build /app/packages/runtime packages/runtime
COPY --from=build /app/apps apps
USER node
EXPOSE 3000 9464
# The worker: ["node", "apps/worker/dist/main.js"]; migrations: ["node", "packages/db/dist/bin/migrate.js"].
CMD ["node", "apps/api/dist/main.js"]
