import { GraphQLError, OperationTypeNode, type ValidationRule } from 'graphql';

const INSTEAD: Record<OperationTypeNode, string> = {
  [OperationTypeNode.SUBSCRIPTION]: 'ask with a query instead, as often as you need fresh data',
  [OperationTypeNode.MUTATION]: 'this endpoint only answers queries',
  [OperationTypeNode.QUERY]: 'this endpoint answers no queries',
};

/**
 * Refuses, as a validation error (HTTP 400), an operation of a type the schema has no root for:
 * a subscription, here. graphql-js 16 has no such rule (17 adds KnownOperationTypesRule): the
 * operation would fail at execution as an internal error, and in the gateway's query planner.
 */
export const knownOperationTypesRule: ValidationRule = (context) => ({
  OperationDefinition(node) {
    if (context.getSchema().getRootType(node.operation)) return;
    const which = node.name ? `Operation ${node.name.value}` : 'This operation';
    context.reportError(
      new GraphQLError(
        `${which} is a ${node.operation}, and this API has no ${node.operation}s: ${INSTEAD[node.operation]}`,
        { nodes: node },
      ),
    );
  },
});
