// Auto-deploy: EventBridge delivers an ECR "image push" event for the repository and tag the service runs;
// this starts a rolling deployment of the service (the circuit breaker rolls it back if the new tasks fail).
// Node.js 22 runtime: the AWS SDK v3 is part of the runtime, nothing is bundled.
import { ECSClient, UpdateServiceCommand } from "@aws-sdk/client-ecs";

const ecs = new ECSClient({});

export const handler = async (event) => {
  const detail = event?.detail ?? {};
  const cluster = process.env.CLUSTER;
  const service = process.env.SERVICE;
  console.log(
    JSON.stringify({
      msg: "image pushed; deploying",
      repository: detail["repository-name"],
      tag: detail["image-tag"],
      digest: detail["image-digest"],
      cluster,
      service,
    }),
  );
  const out = await ecs.send(new UpdateServiceCommand({ cluster, service, forceNewDeployment: true }));
  const deployment = out.service?.deployments?.find((d) => d.status === "PRIMARY");
  return { service: out.service?.serviceArn, deployment: deployment?.id };
};
