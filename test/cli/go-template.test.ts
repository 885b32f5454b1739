// Go text/template for --format: the language podman users write, Go's
// printing of values, podman's functions and `table` listings.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { executeTemplate, GoTime, parseTemplate, renderReport, TemplateError } from '../../src/cli/template/index.js';

const run = (template: string, data: unknown): string => executeTemplate('t', parseTemplate('t', template), data);

const container = {
  Name: 'web',
  State: { Status: 'running', Pid: 42, Running: true, ExitCode: 0 },
  Config: { Labels: new Map([['x', 'y'], ['a', 'b']]), Cmd: ['sh', '-c', 'sleep 1'], Env: [] as string[] },
  Created: new GoTime('2026-12-05T00:27:21.607870968Z'),
};

describe('Go templates', () => {
  it('fields of structs and maps, printed as fmt prints them', () => {
    assert.equal(run('{{.Name}} {{.State.Status}} {{.State.Pid}} {{.State.Running}}', container), 'web running 42 true');
    assert.equal(run('{{.Config.Labels}} {{.Config.Cmd}} {{.Config.Env}}', container), 'map[a:b x:y] [sh -c sleep 1] []');
    assert.equal(run('{{.Config.Labels.x}}|{{.Config.Labels.missing}}|', container), 'y||');
    assert.equal(run('{{.State}}', container), '{running 42 true 0}');
    assert.equal(run('{{.Created}}', container), '2026-12-05 00:27:21.607870968 +0000 UTC');
    assert.equal(run('{{.Nothing}}', { Nothing: null }), '<no value>');
  });

  it('an unknown field of a struct is an error naming it', () => {
    assert.throws(() => run('{{.State.Nope}}', container), (err: unknown) => err instanceof TemplateError && /can't evaluate field Nope/.test(err.message));
  });

  it('podman\'s functions and Go\'s builtins', () => {
    assert.equal(run('{{json .Config.Labels}} {{json .Created}} {{json .Config.Cmd}}', container), '{"a":"b","x":"y"} "2026-12-05T00:27:21.607870968Z" ["sh","-c","sleep 1"]');
    assert.equal(run('{{upper .Name}} {{lower "AbC"}} {{title "hello world"}} {{join .Config.Cmd ","}} {{truncate .Name 2}}', container), 'WEB abc Hello World sh,-c,sleep 1 we');
    assert.equal(run('{{len .Config.Cmd}} {{len .Config.Labels}} {{index .Config.Cmd 1}} {{index .Config.Labels "a"}} {{split "a:b" ":"}}', container), '3 2 -c b [a b]');
    assert.equal(run('{{printf "%q|%-6s|%5d|%05.1f|%x|%v|%%" .Name .Name 42 3.14159 255 .Config.Cmd}}', container), '"web"|web   |   42|003.1|ff|[sh -c sleep 1]|%');
    assert.equal(run('{{printf "%s"}} {{printf "%d" "x"}}', container), '%!s(MISSING) %!d(string=x)');
    assert.equal(run('{{eq .Name "web"}} {{ne .State.Pid 42}} {{lt 1 2}} {{ge "b" "a"}} {{eq .Name "x" "web"}}', container), 'true false true true true');
    assert.equal(run('{{and .Name .State.Pid}} {{or "" "dflt"}} {{not .State.Running}}', container), '42 dflt false');
    assert.equal(run('{{print "a" 1 2 "b"}}|{{println "c" 3}}', container), 'a1 2b|c 3\n');
  });

  it('if / else if / else, range with and without variables, with, variables and pipelines', () => {
    const status = '{{if eq .State.Status "running"}}up{{else if eq .State.Status "paused"}}paused{{else}}down{{end}}';
    assert.equal(run(status, container), 'up');
    assert.equal(run(status, { State: { Status: 'paused' } }), 'paused');
    assert.equal(run(status, { State: { Status: 'exited' } }), 'down');
    assert.equal(run('{{range $i, $c := .Config.Cmd}}{{$i}}={{$c}};{{end}}', container), '0=sh;1=-c;2=sleep 1;');
    assert.equal(run('{{range $k, $v := .Config.Labels}}{{$k}}={{$v}} {{end}}', container), 'a=b x=y ');
    assert.equal(run('{{range .Config.Env}}{{.}}{{else}}none{{end}}', container), 'none');
    assert.equal(run('{{with .State}}{{.Pid}}/{{$.Name}}{{end}}{{with .Config.Env}}x{{else}}-{{end}}', container), '42/web-');
    assert.equal(run('{{$n := .Name}}{{$n = upper $n}}{{$n}} {{.Name | printf "%s!" | upper}} {{(index .Config.Cmd 0) | len}}', container), 'WEB WEB! 2');
  });

  it('trim markers and comments', () => {
    assert.equal(run('a  {{- .Name -}}  b {{/* a comment */}}c{{- /* trimmed */ -}} d', container), 'awebb cd');
  });

  it('bad templates are errors with the template\'s name and where', () => {
    for (const [template, message] of [
      ['{{.Name', /unclosed action/],
      ['{{if .Name}}x', /has no \{\{end\}\}/],
      ['x{{end}}', /unexpected \{\{end\}\}/],
      ['{{nope .Name}}', /function "nope" not defined/],
      ['{{.Name .State}}', /can't give argument to non-function \.Name/],
      ['{{$x}}', /undefined variable: \$x/],
    ] as const) {
      assert.throws(() => run(template, container), (err: unknown) => err instanceof TemplateError && err.message.startsWith('template: t:') && message.test(err.message), template);
    }
  });
});

describe('renderReport()', () => {
  const rows = [
    { ID: 'de41d44e8d77', Repository: 'localhost/busybox', Tag: 'latest', Size: '2.01 MB', CreatedAt: 'x' },
    { ID: '0123456789ab', Repository: 'r', Tag: '1', Size: '1 kB', CreatedAt: 'y' },
  ];

  it('a call of an unknown function is an error before any row runs, as Go\'s parse error', () => {
    assert.throws(() => renderReport('{{nope .ID}}', [], { name: 'ps' }), /^TemplateError: template: ps:1:1: function "nope" not defined$/);
  });

  it('a template per row, \\t and \\n in its text as a tab and a newline', () => {
    assert.equal(renderReport('{{.Repository}}\\t{{.Tag}}|{{.ID}}', rows, { name: 'images' }), 'localhost/busybox\tlatest|de41d44e8d77\nr\t1|0123456789ab\n');
    assert.equal(renderReport('{{.Tag}}\\n', rows, { name: 'images' }), 'latest\n1\n');
  });

  it('table: headers from the field names, columns aligned as podman aligns them', () => {
    // What podman 4.3 prints for `images --format 'table {{.Repository}}\t{{.Tag}}\t{{.Size}}'` here.
    assert.equal(renderReport('table {{.Repository}}\\t{{.Tag}}\\t{{.Size}}', rows.slice(0, 1), { name: 'images' }),
      'REPOSITORY         TAG         SIZE\nlocalhost/busybox  latest      2.01 MB\n');
    // Spaces between actions separate columns; headers of their own where the field's name is not one.
    assert.equal(renderReport('table {{.ID}} {{.CreatedAt}}', rows, { name: 'images', headers: { ID: 'IMAGE ID' } }),
      'IMAGE ID      CREATED AT\nde41d44e8d77  x\n0123456789ab  y\n');
    assert.equal(renderReport('table', [], { name: 'images', defaultTable: 'table {{.Repository}}\\t{{.Tag}}' }), 'REPOSITORY  TAG\n');
  });
});
