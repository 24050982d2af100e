# One image for the four services; docker-compose.yml chooses which one a container runs.
FROM node:20-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY . .
# Owned by the `node` user, so the compose volume mounted here (the development key pair) is too.
RUN mkdir -p .data/dev-keys && chown -R node:node .data
ENV NODE_ENV=production
USER node
CMD ["node", "--import", "tsx", "gateway/index.ts"]
