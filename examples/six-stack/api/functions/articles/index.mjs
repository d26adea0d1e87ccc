// GET /articles[/{slug}]: the portfolio's articles from the single table (pk = "ARTICLE").
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";

const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const json = (statusCode, body) => ({
  statusCode,
  headers: { "content-type": "application/json", "cache-control": "public, max-age=60" },
  body: JSON.stringify(body),
});

export const handler = async (event) => {
  const slug = event.pathParameters?.proxy;
  if (slug) {
    const out = await db.send(new GetCommand({ TableName: process.env.TABLE_NAME, Key: { pk: "ARTICLE", sk: slug } }));
    return out.Item ? json(200, out.Item) : json(404, { message: `no article ${slug}` });
  }
  const out = await db.send(
    new QueryCommand({
      TableName: process.env.TABLE_NAME,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": "ARTICLE" },
    }),
  );
  return json(200, { articles: out.Items ?? [] });
};
