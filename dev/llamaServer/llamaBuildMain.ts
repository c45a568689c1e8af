import { ensureLlamaServer } from './llamaServerBuild';
import { llamaCppPythonPackage, llamaServerPaths } from './llamaServerPaths';
import { ensureTinyModel } from './tinyModel';

const usage = `Usage: npm run llama:build [-- --help]

Builds llama.cpp's llama-server (the OpenAI-compatible model server the tests run) from the
llama.cpp tree vendored in the PyPI source package ${llamaCppPythonPackage}, and writes the
project's tiny test model with PyPI's gguf. Both are cached under ${llamaServerPaths().dir}
(RESEARCH_RELAY_CACHE_DIR moves the cache); a second run finds them and returns at once.
Needs python3 (3.10+), cmake and a C++ compiler; a first build takes 7–8 minutes on 2 cores.`;

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args.length > 0) {
    console.log(usage);
    return args[0] === '--help' ? 0 : 2;
  }
  const build = await ensureLlamaServer();
  const model = await ensureTinyModel();
  console.log(build.built ? `llama-server: built in ${build.seconds} s: ${build.binary}` : `llama-server: cached: ${build.binary}`);
  console.log(`tiny model: ${model}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
