import path from 'node:path';

/** Where `npm run infra:*` keeps downloads, data, logs and process ids (git-ignored). */
export interface InfraPaths {
  readonly root: string;
  readonly kafkaLibs: string;
  readonly mavenRepo: string;
  readonly kafkaData: string;
  readonly kafkaConfig: string;
  readonly kafkaLog4j: string;
  readonly temporalVenv: string;
  readonly temporalDb: string;
  readonly phoenixVenv: string;
  readonly phoenixData: string;
  readonly logs: string;
  readonly pids: string;
}

const projectRoot = path.resolve(__dirname, '..', '..');

/**
 * The cache folder defaults to `<project>/.cache`; `RESEARCH_RELAY_CACHE_DIR` moves it
 * (for example to share downloaded jars between clones).
 */
export function infraPaths(env: NodeJS.ProcessEnv = process.env): InfraPaths {
  const root = path.resolve(env.RESEARCH_RELAY_CACHE_DIR ?? path.join(projectRoot, '.cache'));
  return {
    root,
    kafkaLibs: path.join(root, 'kafka', 'libs'),
    mavenRepo: path.join(root, 'kafka', 'm2'),
    kafkaData: path.join(root, 'kafka', 'data'),
    kafkaConfig: path.join(root, 'kafka', 'server.properties'),
    kafkaLog4j: path.join(root, 'kafka', 'log4j2.properties'),
    temporalVenv: path.join(root, 'temporal', 'venv'),
    temporalDb: path.join(root, 'temporal', 'dev-server.db'),
    phoenixVenv: path.join(root, 'phoenix', 'venv'),
    phoenixData: path.join(root, 'phoenix', 'data'),
    logs: path.join(root, 'logs'),
    pids: path.join(root, 'pids'),
  };
}

export const kafkaPomPath = path.join(__dirname, 'kafka-pom.xml');
