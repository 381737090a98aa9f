# Production image: compiled dist/ on Node.js 24 LTS, non-root, under tini, with a health check.
# Not built on the development machines (no Docker engine there); see README "Docker".
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts ./scripts
RUN npx tsc -p tsconfig.build.json && npm prune --omit=dev

FROM node:24-bookworm-slim
# Fonts: the monthly e-mail's chart is drawn on the server (@napi-rs/canvas) and needs Vietnamese glyphs.
RUN apt-get update && apt-get install -y --no-install-recommends tini fonts-dejavu-core && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production PORT=3000
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY views ./views
COPY public ./public
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["/usr/bin/tini", "--"]
# Same flags as `npm start` (package.json): a heap that grows by half, not by up to four times, after each full
# collection, and a young generation of 8 MB semi-spaces instead of 16, keep a small server's memory near the live
# data (docs/benchmarks.md, peak RSS).
CMD ["node", "--heap-growing-percent=40", "--max-semi-space-size=8", "dist/src/server.js"]
