// POST /contact: stores a contact-form message (pk = "CONTACT") after checking its fields.
import { randomUUID } from "node:crypto";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";

const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const json = (statusCode, body) => ({
  statusCode,
  headers: { "content-type": "application/json", "cache-control": "no-store" },
  body: JSON.stringify(body),
});

export const handler = async (event) => {
  let form;
  try {
    form = JSON.parse(event.body ?? "");
  } catch {
    return json(400, { message: "the body must be JSON" });
  }
  const { name, email, message } = form ?? {};
  if (typeof name !== "string" || typeof email !== "string" || !email.includes("@") || typeof message !== "string") {
    return json(400, { message: "name, email and message are required" });
  }
  const id = randomUUID();
  await db.send(
    new PutCommand({
      TableName: process.env.TABLE_NAME,
      Item: { pk: "CONTACT", sk: `${new Date().toISOString()}#${id}`, name, email, message: message.slice(0, 5000) },
    }),
  );
  return json(202, { id });
};
