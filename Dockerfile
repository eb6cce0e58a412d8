# syntax=docker/dockerfile:1

# Build: the full image has python3, make and g++, which better-sqlite3 needs when no prebuilt
# binary matches.
FROM node:20-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build && npm prune --omit=dev

# Run: same Debian release, so the native modules built above (better-sqlite3, the KurrentDB
# client's bridge) load unchanged.
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    URNE_HOST=0.0.0.0 \
    URNE_PORT=4000 \
    URNE_DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 4000
CMD ["node", "bin/urne.js", "serve"]
