import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { toYaml, toYamlStream } from './yaml.ts';

// JSON values as Kubernetes objects hold them; strings lean towards YAML's tricky cases.
const trickyString = fc.oneof(
  fc.string(),
  fc.string({
    unit: fc.constantFrom(
      'a',
      ' ',
      ':',
      '#',
      '-',
      '\n',
      '\t',
      '"',
      "'",
      '1',
      '.',
      'y',
      'e',
      '/',
      '@',
      '{',
      '[',
      '*',
      '&',
      '!',
      '|',
      '>',
      '%',
      '\\',
    ),
  }),
  fc.constantFrom(
    'yes',
    'No',
    'ON',
    'off',
    'y',
    'N',
    'true',
    'False',
    'null',
    '~',
    '',
    ' ',
    '1.4.0',
    '012',
    '0x1F',
    '1e3',
    '1_000',
    '1:20',
    '.inf',
    '-.NaN',
    '+1',
    'a: b',
    'a #b',
    'a:',
    '- a',
    '? a',
    '2026-11-28',
    'line\n',
    'line\n\n',
    'a\n\nb',
    'x\n  y\n',
    '\ty\n',
    '500m',
    '1e',
    '0x',
    '0o',
    '1.5Gi',
    '1E',
    '10e',
    'e1',
    'E5',
    'e-3',
    '0xface',
    '0o17',
    '0b101',
    '0Xab',
  ),
);
const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    trickyString,
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    tie('array'),
    tie('object'),
  ),
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.dictionary(trickyString, tie('value'), { maxKeys: 4 }),
})).value;

describe('toYaml', () => {
  it('reads back as the same value under YAML 1.2 and 1.1', () => {
    fc.assert(
      fc.property(json, (value) => {
        const text = toYaml(value);
        const expected = JSON.parse(JSON.stringify(value));
        expect(parse(text)).toEqual(expected);
        expect(parse(text, { version: '1.1' })).toEqual(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('writes a Kubernetes object as conventional block YAML', () => {
    const object = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'x', labels: { 'app.kubernetes.io/name': 'api', version: '1.4.0', memory: '512Mi', enabled: 'true' } },
      data: { 'config.yaml': 'a: 1\nb: 2\n' },
      list: [{ name: 'a', value: 'b' }, 'c', [], {}],
    };
    expect(toYaml(object)).toBe(
      [
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata:',
        '  name: x',
        '  labels:',
        '    app.kubernetes.io/name: api',
        '    version: "1.4.0"',
        '    memory: 512Mi',
        '    enabled: "true"',
        'data:',
        '  config.yaml: |',
        '    a: 1',
        '    b: 2',
        'list:',
        '  - name: a',
        '    value: b',
        '  - c',
        '  - []',
        '  - {}',
        '',
      ].join('\n'),
    );
    expect(parse(toYaml(object))).toEqual(parse(stringify(object)));
  });

  it('joins documents into one stream', () => {
    const docs = [{ a: 1 }, { b: [1, 2] }];
    expect(parseAllDocuments(toYamlStream(docs)).map((d) => d.toJSON())).toEqual(docs);
  });
});
