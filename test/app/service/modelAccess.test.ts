import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { resolveModelAccess, type ModelAccess } from '../../../app/service/modelAccess';
import { RelayService } from '../../../app/service/relayService';
import { prefixedNameVariables } from '../../../src/config/prefixedNames';
import { loadRelayConfig } from '../../../src/config/relayConfig';
import { ConfigurationError } from '../../../src/errors';
import { maskSecrets, silentLogger } from '../../../src/logging/logger';
import { defaultCorpusDirectory } from '../../../src/search/searchProviderFromConfig';
import { eventually, testConfig, uniqueName } from '../../support/testInfrastructure';

const root = path.resolve(__dirname, '../../..');
// Any address: resolving the model access never calls the model.
const compatibleServer = 'http://127.0.0.1:9/v1';
// Empty means unset: whatever the test process inherited, these decide.
const noModelVariables = {
  OPENAI_API_KEY: '', OPENAI_BASE_URL: '', OFFLINE_MODE: '', MODEL_API: '', SEARCH_PROVIDER: '', SEARCH_CORPUS_DIR: '',
  TAVILY_API_KEY: '', TAVILY_BASE_URL: '', SEARXNG_URL: '',
};

function access(env: NodeJS.ProcessEnv): Promise<ModelAccess> {
  return resolveModelAccess(loadRelayConfig({ ...noModelVariables, ...env }).llm, silentLogger);
}

/** The corpus a local-corpus provider reads, by the file URL of its first source. */
async function sourceUrl(models: ModelAccess, query: string): Promise<string> {
  const { sources } = await models.searchProvider.gather(query, { maxSources: 1 });
  assert.ok(sources[0], `a source for "${query}"`);
  return sources[0].url;
}

function isRefusalNaming(variable: string): (error: unknown) => boolean {
  return (error) => error instanceof ConfigurationError && error.problems.includes(variable) && error.message.includes(variable);
}

describe('the search a worker uses', () => {
  it('on a compatible server (OPENAI_BASE_URL) without SEARCH_PROVIDER is refused, naming SEARCH_PROVIDER and its values', async () => {
    await assert.rejects(access({ OPENAI_BASE_URL: compatibleServer }), (error: unknown) => {
      assert.ok(isRefusalNaming('SEARCH_PROVIDER')(error), String(error));
      const { message } = error as ConfigurationError;
      assert.match(message, /`local-corpus` with SEARCH_CORPUS_DIR/);
      assert.match(message, /`tavily` with TAVILY_API_KEY, `searxng` with SEARXNG_URL/);
      assert.match(message, /`openai-web-search` only if that endpoint serves OpenAI's hosted web search tool/);
      return true;
    });
    await assert.rejects(access({ OPENAI_BASE_URL: compatibleServer, OPENAI_API_KEY: 'sk-test' }), isRefusalNaming('SEARCH_PROVIDER'), 'a key changes nothing');
  });

  it('on OpenAI (a key, no base URL) is its hosted web search unless SEARCH_PROVIDER says otherwise', async () => {
    const models = await access({ OPENAI_API_KEY: 'sk-test' });
    assert.equal(models.mode, 'openai');
    assert.equal(models.searchProvider.name, 'openai-web-search');
  });

  it('offline is the sample corpus shipped in the repository', async () => {
    const models = await access({ OFFLINE_MODE: 'true' });
    try {
      assert.equal(models.mode, 'embedded-stand-in');
      assert.equal(models.searchProvider.name, 'local-corpus');
      assert.ok((await sourceUrl(models, 'kafka consumer offsets')).startsWith(pathToFileURL(defaultCorpusDirectory).href));
    } finally {
      await models.close();
    }
  });

  it('named explicitly (SEARCH_PROVIDER=local-corpus with SEARCH_CORPUS_DIR) is that corpus, on a compatible server or OpenAI', async () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'own-corpus-'));
    try {
      fs.writeFileSync(path.join(directory, 'zeppelins.md'), '# Zeppelins\n\n## Hydrogen\n\nZeppelin airships were lifted by hydrogen gas.\n');
      for (const endpoint of [{ OPENAI_BASE_URL: compatibleServer }, { OPENAI_API_KEY: 'sk-test' }]) {
        const models = await access({ ...endpoint, SEARCH_PROVIDER: 'local-corpus', SEARCH_CORPUS_DIR: directory });
        assert.equal(models.searchProvider.name, 'local-corpus');
        assert.ok((await sourceUrl(models, 'zeppelin hydrogen')).startsWith(pathToFileURL(directory).href), JSON.stringify(endpoint));
      }
      const sample = await access({ OPENAI_BASE_URL: compatibleServer, SEARCH_PROVIDER: 'local-corpus', SEARCH_CORPUS_DIR: defaultCorpusDirectory });
      assert.ok((await sourceUrl(sample, 'kafka consumer offsets')).startsWith(pathToFileURL(defaultCorpusDirectory).href), 'the sample corpus, named by its path');
      const hosted = await access({ OPENAI_BASE_URL: compatibleServer, SEARCH_PROVIDER: 'openai-web-search' });
      assert.equal(hosted.searchProvider.name, 'openai-web-search', 'an endpoint that serves hosted web search (Azure) may ask for it');
    } finally {
      fs.rmSync(directory, { recursive: true, force: true });
    }
  });

  it('outside offline mode, local-corpus without SEARCH_CORPUS_DIR is refused: the sample corpus is used only when named', async () => {
    for (const endpoint of [{ OPENAI_BASE_URL: compatibleServer }, { OPENAI_API_KEY: 'sk-test' }]) {
      await assert.rejects(access({ ...endpoint, SEARCH_PROVIDER: 'local-corpus' }), (error: unknown) => {
        assert.ok(isRefusalNaming('SEARCH_CORPUS_DIR')(error), String(error));
        assert.ok((error as Error).message.includes(`SEARCH_CORPUS_DIR=${defaultCorpusDirectory}`), 'it says how to name the sample corpus');
        return true;
      });
    }
  });
});

describe('the search a worker uses with MODEL_API=chat-completions and the search back ends', () => {
  it('on OpenAI with MODEL_API=chat-completions has no default: refused, naming SEARCH_PROVIDER and the back ends that work', async () => {
    await assert.rejects(access({ OPENAI_API_KEY: 'sk-test', MODEL_API: 'chat-completions' }), (error: unknown) => {
      assert.ok(isRefusalNaming('SEARCH_PROVIDER')(error), String(error));
      const { message } = error as ConfigurationError;
      assert.match(message, /MODEL_API=chat-completions has no hosted web search/);
      assert.match(message, /`tavily` with TAVILY_API_KEY, `searxng` with SEARXNG_URL=.*, or `local-corpus` with SEARCH_CORPUS_DIR/);
      return true;
    });
  });

  it('SEARCH_PROVIDER=openai-web-search with MODEL_API=chat-completions is refused, on OpenAI or a compatible server', async () => {
    for (const endpoint of [{ OPENAI_API_KEY: 'sk-test' }, { OPENAI_BASE_URL: compatibleServer }]) {
      await assert.rejects(access({ ...endpoint, MODEL_API: 'chat-completions', SEARCH_PROVIDER: 'openai-web-search' }), (error: unknown) => {
        assert.ok(isRefusalNaming('SEARCH_PROVIDER')(error), String(error));
        assert.ok((error as ConfigurationError).problems.includes('MODEL_API'));
        assert.match((error as Error).message, /only in the Responses API/);
        return true;
      });
    }
  });

  it('tavily without TAVILY_API_KEY and searxng without SEARXNG_URL are refused, naming the variable', async () => {
    await assert.rejects(access({ OPENAI_API_KEY: 'sk-test', SEARCH_PROVIDER: 'tavily' }), isRefusalNaming('TAVILY_API_KEY'));
    await assert.rejects(access({ OPENAI_BASE_URL: compatibleServer, SEARCH_PROVIDER: 'searxng' }), isRefusalNaming('SEARXNG_URL'));
  });

  it('tavily and searxng, with what they need, are the worker’s search, on Chat Completions too', async () => {
    const tavily = await access({ OPENAI_API_KEY: 'sk-test', MODEL_API: 'chat-completions', SEARCH_PROVIDER: 'tavily', TAVILY_API_KEY: 'tvly-model-access-test' });
    assert.equal(tavily.searchProvider.name, 'tavily');
    const searxng = await access({ OPENAI_BASE_URL: compatibleServer, MODEL_API: 'chat-completions', SEARCH_PROVIDER: 'searxng', SEARXNG_URL: 'http://127.0.0.1:9' });
    assert.equal(searxng.searchProvider.name, 'searxng');
  });

  it('TAVILY_API_KEY is a secret: once the configuration is loaded, logs and errors show it masked', () => {
    const key = 'tvly-secret-4b7d09e2';
    loadRelayConfig({ ...noModelVariables, TAVILY_API_KEY: key });
    assert.equal(maskSecrets(`key ${key}`), 'key [redacted]');
  });
});

describe('a relay on a compatible server without SEARCH_PROVIDER', () => {
  const env = (): NodeJS.ProcessEnv => ({ ...prefixedNameVariables(uniqueName('search')), ...noModelVariables, OPENAI_BASE_URL: compatibleServer });

  it('with the worker role refuses to start, naming SEARCH_PROVIDER', async () => {
    const starting = RelayService.start({ config: testConfig(env()), logger: silentLogger, roles: { consumer: false, worker: true }, httpPort: false });
    // A worker that starts after all is stopped again, so the failure cannot hold the file open.
    await assert.rejects(
      starting.then(async (service) => {
        await service.stop();
        assert.fail('the worker started');
      }),
      isRefusalNaming('SEARCH_PROVIDER'),
    );
  });

  it('started as `npm start -- --role worker` exits 1 and says which variable to set', async () => {
    const entry = path.join(root, 'dist/app/service/serviceMain.js');
    const worker = spawn(process.execPath, [entry, '--role', 'worker'], { env: { ...process.env, ...env(), SERVICE_HTTP_PORT: '0' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let said = '';
    worker.stderr.on('data', (chunk: Buffer) => (said += chunk.toString()));
    // 'close', not 'exit': by then all it wrote to stderr has been read.
    let code: number | null | undefined;
    const closed = new Promise<void>((resolve) => worker.once('close', (exitCode: number | null) => resolve(void (code = exitCode))));
    try {
      // Settles on the exit, or on a worker that runs after all (then the test fails and stops it).
      await eventually(() => code !== undefined || /worker running/.test(said) || undefined, 60_000, `the worker to exit; output:\n${said}`);
      assert.equal(code, 1, said);
      assert.match(said, /no search provider: OPENAI_BASE_URL names a model server without hosted web search, so set SEARCH_PROVIDER/);
    } finally {
      if (worker.exitCode === null && worker.signalCode === null) {
        worker.kill('SIGKILL');
        await closed;
      }
    }
  });

  it('as a consumer only starts: the worker’s search is not its concern', async () => {
    const service = await RelayService.start({ config: testConfig(env()), logger: silentLogger, roles: { consumer: true, worker: false }, httpPort: false });
    await service.stop();
  });
});
