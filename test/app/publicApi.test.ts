import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';

const root = path.resolve(__dirname, '../..');
const entry = path.join(root, 'app', 'index.ts');

/** The public entry point's exports, each with the file that declares it and its JSDoc tags. */
function publicExports(): { name: string; file: string; isValue: boolean; tags: string[] }[] {
  const program = ts.createProgram([entry], { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, strict: true });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(entry);
  const moduleSymbol = source && checker.getSymbolAtLocation(source);
  assert.ok(moduleSymbol, 'app/index.ts is a module');
  return checker.getExportsOfModule(moduleSymbol).map((exported) => {
    const target = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    return {
      name: exported.name,
      file: path.relative(root, target.declarations?.[0]?.getSourceFile().fileName ?? ''),
      isValue: (target.flags & ts.SymbolFlags.Value) !== 0,
      tags: target.getJsDocTags(checker).map((tag) => tag.name),
    };
  });
}

describe('the public API (app/index.ts)', () => {
  const exported = publicExports();

  it('documents every function, class and constant it exports with an example', () => {
    const values = exported.filter((entry) => entry.isValue);
    assert.ok(values.length >= 20, `a curated list, not a re-export of everything (${values.length})`);
    assert.deepEqual(values.filter((entry) => !entry.tags.includes('example')).map((entry) => `${entry.name} (${entry.file})`), []);
  });

  it('exports nothing of the development tooling: no stand-in model server, no infrastructure launchers', () => {
    assert.deepEqual(exported.filter((entry) => entry.file.startsWith('dev/') || entry.file.startsWith('test/')).map((entry) => entry.name), []);
    assert.ok(!exported.some((entry) => /standIn|StandIn|infra/i.test(entry.name)));
  });
});
