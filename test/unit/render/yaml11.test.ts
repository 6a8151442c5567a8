import { describe, expect, it } from 'vitest';
import { resolvePlain, resolveTagged, toJsonValue, toMapKey } from '../../../src/render/yaml11.ts';

const json = (text: string): unknown => toJsonValue(resolvePlain(text), text);

describe('resolvePlain follows go-yaml v2 resolve.go', () => {
  it.each([
    ...['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON'].map((s) => [s, true]),
    ...['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF'].map((s) => [s, false]),
  ])('reads the YAML 1.1 boolean %j as %j', (text, expected) => {
    expect(json(text as string)).toBe(expected);
  });

  it.each(['yEs', 'nO', 'oN', 'oFF', 'tRUE', 'fAlse', 'yes please', 'Nope'])(
    'keeps %j, a casing go-yaml does not list, as a string',
    (text) => {
      expect(json(text)).toBe(text);
    },
  );

  it.each(['', '~', 'null', 'Null', 'NULL'])('reads %j as null', (text) => {
    expect(json(text)).toBeNull();
  });

  it.each([
    ['0', 0],
    ['00', 0],
    ['10', 10],
    ['-10', -10],
    ['+685_230', 685230],
    ['1_000', 1000],
    ['0644', 420],
    ['0_644', 420],
    ['02472256', 685230],
    ['-0644', -420],
    ['0o17', 15],
    ['0O17', 15],
    ['0xA', 10],
    ['0XA', 10],
    ['0x_0A_74_AE', 685230],
    ['-0x1F', -31],
    ['0b1010_0111_0100_1010_1110', 685230],
    ['-0b101010', -42],
  ])('reads the integer %j as %j', (text, expected) => {
    expect(resolvePlain(text).type).toBe('int');
    expect(json(text)).toBe(expected);
  });

  it.each([
    ['0.1', 0.1],
    ['.1', 0.1],
    ['-.1', -0.1],
    ['+.5', 0.5],
    ['1.', 1],
    ['6.8523e+5', 685230],
    ['685.230_15e+03', 685230.15],
    ['685_230.15', 685230.15],
    ['123456e1', 1234560],
    ['1e3', 1000],
    // Not octal (8 is no octal digit), so strconv.ParseInt fails and the float rule takes it.
    ['08', 8],
    ['09.5', 9.5],
  ])('reads the float %j as %j', (text, expected) => {
    expect(resolvePlain(text).type).toBe('float');
    expect(json(text)).toBe(expected);
  });

  it.each([
    '1:1',
    '12:30',
    '2015-01-01',
    '2015-02-24T18:19:39Z',
    '1e999',
    '0x',
    '0b2',
    '0o8',
    '-',
    '+',
    '-b_c',
    '+b_c',
    '50cent_of_dollar',
    '1.2.3.4',
    '0644a',
    '_1',
    '.',
    '.e3',
    '.5_0',
    'Infinity',
    'NaN',
    '<<',
  ])('keeps %j as a string', (text) => {
    expect(resolvePlain(text)).toEqual({ type: 'str', value: text });
  });

  it.each([
    ['9223372036854775807', { type: 'int', value: 9223372036854775807n }],
    ['-9223372036854775808', { type: 'int', value: -9223372036854775808n }],
    // Past int64 go-yaml tries uint64 (unsigned text only), then the float rule.
    ['18446744073709551615', { type: 'int', value: 18446744073709551615n }],
    ['18446744073709551616', { type: 'float', value: 18446744073709551616 }],
    ['-9223372036854775809', { type: 'float', value: -(2 ** 63) }],
    // Not float-shaped: the sigs.k8s.io fork falls back to big.Int for unsigned text, and to a string otherwise.
    ['0x10000000000000000', { type: 'int', value: 0x10000000000000000n }],
    ['-0x10000000000000000', { type: 'str', value: '-0x10000000000000000' }],
  ])('resolves the out-of-range number %j like go-yaml', (text, expected) => {
    expect(resolvePlain(text)).toEqual(expected);
  });
});

describe('toJsonValue', () => {
  it.each(['.inf', '.Inf', '+.INF', '-.inf', '.nan', '.NaN'])(
    'refuses %j, which JSON cannot hold',
    (text) => {
      expect(() => json(text)).toThrow(`${text} (NaN or infinity) cannot be represented in JSON`);
    },
  );

  it('refuses an integer a JavaScript number cannot hold exactly', () => {
    expect(() => json('9007199254740993')).toThrow(
      'integer 9007199254740993 is too large to be represented exactly; quote it if it is a string',
    );
  });

  it('keeps the largest exact integer', () => {
    expect(json('9007199254740991')).toBe(9007199254740991);
    expect(json('-9007199254740991')).toBe(-9007199254740991);
  });
});

describe('resolveTagged', () => {
  it.each([
    ['str', '0644', { type: 'str', value: '0644' }],
    ['str', 'yes', { type: 'str', value: 'yes' }],
    ['int', '8080', { type: 'int', value: 8080n }],
    ['int', '0644', { type: 'int', value: 420n }],
    ['float', '1', { type: 'float', value: 1 }],
    ['float', '1.5', { type: 'float', value: 1.5 }],
    ['bool', 'yes', { type: 'bool', value: true }],
    ['null', '', { type: 'null' }],
    ['null', '~', { type: 'null' }],
  ] as const)('reads !!%s %j', (tag, text, expected) => {
    expect(resolveTagged(tag, text)).toEqual(expected);
  });

  it.each([
    ['int', 'abc', 'cannot decode !!str `abc` as a !!int'],
    ['int', '1.5', 'cannot decode !!float `1.5` as a !!int'],
    ['bool', '1', 'cannot decode !!int `1` as a !!bool'],
    ['null', 'x', 'cannot decode !!str `x` as a !!null'],
  ] as const)('refuses !!%s %j', (tag, text, message) => {
    expect(() => resolveTagged(tag, text)).toThrow(message);
  });
});

describe('toMapKey follows sigs.k8s.io/yaml', () => {
  const key = (text: string): string => toMapKey(resolvePlain(text), text);

  it.each([
    ['name', 'name'],
    ['yes', 'true'],
    ['on', 'true'],
    ['n', 'false'],
    ['0644', '420'],
    ['0x10', '16'],
    ['-7', '-7'],
    ['1.0', '1'],
    ['1.5', '1.5'],
    ['0.1', '0.1'],
    ['3.14159', '3.14159'],
    ['123456.0', '123456'],
    ['1e6', '1e+06'],
    ['1234567.0', '1.234567e+06'],
    ['0.0001', '0.0001'],
    ['0.00001', '1e-05'],
    ['16777217.0', '1.6777216e+07'],
    ['.inf', '.inf'],
    ['-.inf', '-.inf'],
    ['.nan', '.nan'],
  ])('turns the key %j into %j', (text, expected) => {
    expect(key(text)).toBe(expected);
  });

  it.each([
    ['~', 'unsupported map key "~": a map key cannot be null'],
    ['', 'unsupported map key "": a map key cannot be null'],
    ['9223372036854775808', 'unsupported map key 9223372036854775808: integer out of the int64 range'],
  ])('refuses the key %j', (text, message) => {
    expect(() => key(text)).toThrow(message);
  });
});
