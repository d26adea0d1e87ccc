//! CloudFront origins that are Application Load Balancers: a custom origin whose domain name is a load balancer's
//! DNS name, or a VPC origin whose endpoint is a load balancer's ARN. Their requests go into the load balancer's
//! model, on the listener for the port the origin's protocol policy picks (the edge's viewers speak HTTP, so
//! `match-viewer` is HTTP).
//!
//! AWS: CloudFront Developer Guide, "Use an Application Load Balancer as the origin" (a custom origin with the load
//! balancer's DNS name), "Restrict access with VPC origins" (a VPC origin's endpoint is the load balancer's ARN, with
//! its HTTP and HTTPS ports and protocol policy); "Values that you specify": origin protocol policy.

use crate::endpoint::{aws_message, Aws};

/// One origin of the distribution that is a load balancer, and the listener port it reaches.
#[derive(Debug, Clone)]
pub struct AlbOrigin {
    pub origin_id: String,
    pub load_balancer_arn: String,
    pub port: u16,
}

fn port_for(policy: &str, http: i32, https: i32) -> u16 {
    let port = if policy == "https-only" { https } else { http };
    port.max(0) as u16
}

/// `NAME-ID.REGION.elb.amazonaws.com` (`internal-` for an internal one): the region.
fn elb_region(domain: &str) -> Option<String> {
    let rest = domain.to_ascii_lowercase();
    let rest = rest.strip_suffix(".elb.amazonaws.com")?;
    rest.rsplit('.').next().map(str::to_string)
}

pub async fn find(aws: &Aws, distribution_id: &str) -> Result<Vec<AlbOrigin>, String> {
    let cf = aws.cloudfront();
    let out = cf
        .get_distribution()
        .id(distribution_id)
        .send()
        .await
        .map_err(|e| format!("distribution {distribution_id}: {}", aws_message(&e)))?;
    let origins = out
        .distribution()
        .and_then(|d| d.distribution_config())
        .and_then(|c| c.origins())
        .map(|o| o.items().to_vec())
        .unwrap_or_default();
    let mut found = Vec::new();
    for o in origins {
        if let Some(vpc) = o.vpc_origin_config() {
            let got = cf.get_vpc_origin().id(vpc.vpc_origin_id()).send().await.map_err(|e| {
                format!(
                    "origin {}: VPC origin {}: {}",
                    o.id(),
                    vpc.vpc_origin_id(),
                    aws_message(&e)
                )
            })?;
            let endpoint = got
                .vpc_origin()
                .and_then(|v| v.vpc_origin_endpoint_config())
                .ok_or_else(|| format!("origin {}: VPC origin {} has no endpoint", o.id(), vpc.vpc_origin_id()))?;
            if !endpoint.arn().contains(":loadbalancer/app/") {
                return Err(format!(
                    "origin {}: VPC origin endpoint {} is not modelled (nextstack-edge serves Application Load Balancers)",
                    o.id(),
                    endpoint.arn()
                ));
            }
            found.push(AlbOrigin {
                origin_id: o.id().to_string(),
                load_balancer_arn: endpoint.arn().to_string(),
                port: port_for(
                    endpoint.origin_protocol_policy().as_str(),
                    endpoint.http_port(),
                    endpoint.https_port(),
                ),
            });
            continue;
        }
        let Some(region) = elb_region(o.domain_name()) else {
            continue;
        };
        let lbs = aws.elbv2(&region).describe_load_balancers().send().await.map_err(|e| {
            format!(
                "origin {}: DescribeLoadBalancers in {region}: {}",
                o.id(),
                aws_message(&e)
            )
        })?;
        let lb = lbs
            .load_balancers()
            .iter()
            .find(|lb| lb.dns_name().is_some_and(|d| d.eq_ignore_ascii_case(o.domain_name())))
            .ok_or_else(|| {
                format!(
                    "origin {}: no load balancer in {region} has the DNS name {}",
                    o.id(),
                    o.domain_name()
                )
            })?;
        let (policy, http, https) = o
            .custom_origin_config()
            .map(|c| {
                (
                    c.origin_protocol_policy().as_str().to_string(),
                    c.http_port(),
                    c.https_port(),
                )
            })
            .unwrap_or(("http-only".into(), 80, 443));
        found.push(AlbOrigin {
            origin_id: o.id().to_string(),
            load_balancer_arn: lb.load_balancer_arn().unwrap_or_default().to_string(),
            port: port_for(&policy, http, https),
        });
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_from_dns_name() {
        assert_eq!(
            elb_region("web-1.eu-west-1.elb.amazonaws.com").as_deref(),
            Some("eu-west-1")
        );
        assert_eq!(
            elb_region("internal-web-1.us-east-1.elb.amazonaws.com").as_deref(),
            Some("us-east-1")
        );
        assert_eq!(elb_region("bucket.s3.amazonaws.com"), None);
        assert_eq!(port_for("https-only", 80, 443), 443);
        assert_eq!(port_for("match-viewer", 8080, 443), 8080);
    }
}
