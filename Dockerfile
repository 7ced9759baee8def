# One image for the API, the worker and the simulator; the command picks the process.
# TypeScript runs through tsx (a runtime dependency): no build step, no dist/ to drift.
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
COPY apps/api/package.json apps/api/
COPY apps/worker/package.json apps/worker/
COPY packages/core/package.json packages/core/
COPY packages/db/package.json packages/db/
COPY packages/midtrans/package.json packages/midtrans/
COPY packages/runtime/package.json packages/runtime/
COPY packages/simulator/package.json packages/simulator/
# postinstall patches the postgres driver (docs/decisions/0006-postgres-nextwrite-guard.md).
COPY scripts/patch-postgres.mjs scripts/
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY tsconfig.base.json tsconfig.json ./
COPY apps apps
COPY packages packages
COPY scripts scripts
USER node
EXPOSE 3000
CMD ["node", "--import", "tsx", "apps/api/src/main.ts"]
