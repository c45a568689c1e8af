# research-relay service image (used by docker-compose.yml).
FROM node:24-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts=false
COPY tsconfig.json ./
COPY src ./src
COPY consumers ./consumers
COPY workflows ./workflows
COPY activities ./activities
COPY bin ./bin
USER node
CMD ["node", "--import", "tsx", "src/main/serviceMain.ts"]
