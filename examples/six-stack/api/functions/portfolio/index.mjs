// GET /portfolio[/{kind}]: portfolio items by kind through the GSI1 index (gsi1pk = "KIND#<kind>").
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";

const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));

export const handler = async (event) => {
  const kind = event.pathParameters?.proxy ?? "project";
  const out = await db.send(
    new QueryCommand({
      TableName: process.env.TABLE_NAME,
      IndexName: process.env.GSI1_NAME,
      KeyConditionExpression: "gsi1pk = :kind",
      ExpressionAttributeValues: { ":kind": `KIND#${kind}` },
    }),
  );
  return {
    statusCode: 200,
    headers: { "content-type": "application/json", "cache-control": "public, max-age=300" },
    body: JSON.stringify({ kind, items: out.Items ?? [] }),
  };
};
