# Node 24 LTS. @hocuspocus/server needs Node ≥ 22, and Node ≥ 22.18 runs TypeScript itself (type stripping:
# the sources use only erasable syntax), so the server starts from its sources: no build step, no tsx.
FROM node:24-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
COPY shared/package.json shared/
COPY server/package.json server/
COPY client/package.json client/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build
ENV NODE_ENV=production PORT=8080
EXPOSE 8080
CMD ["node", "server/src/main.ts"]
