// llama.cpp's llama-server for tests: build, tiny model, process. Development tooling only;
// production code never imports it (eslint.config.mjs).
export { ensureLlamaServer, isBuilt, llamaCppCmakeFlags, type EnsureLlamaServerOptions, type LlamaServerBuild } from './llamaServerBuild';
export { ggufPackage, llamaCppPythonPackage, llamaServerPaths, type LlamaServerPaths } from './llamaServerPaths';
export { startLlamaServer, tinyModelAlias, type LlamaServer, type LlamaServerOptions } from './llamaServerProcess';
export { ensureTinyModel, tinyModelPath } from './tinyModel';
export { ToolStepError } from '../infra/toolStep';
