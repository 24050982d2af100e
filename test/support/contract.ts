import { Kind, print, visit } from 'graphql';
import { contractOperation } from '../../contract';

/** A contract operation's text, as contract/operations holds it and a client sends it. */
export const contractText = (name: string): string => contractOperation(name).text;

/** The contract operation with every list's `first` set to `first`: the same shape, resized. */
export function contractWithFirst(name: string, first: number): string {
  return print(
    visit(contractOperation(name).document, {
      Argument: (node) =>
        node.name.value === 'first'
          ? { ...node, value: { kind: Kind.INT, value: String(first) } }
          : undefined,
    }),
  );
}
