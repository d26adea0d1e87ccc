"""nextstack-edge reads every page of ListInvalidations: the real binary against the patched moto server, which pages
ListInvalidations at 100 items as CloudFront does (MaxItems' default).

AWS: CloudFront API Reference, "ListInvalidations" (at most MaxItems per page, 100 by default; IsTruncated and
NextMarker lead to the next page), CloudFront Developer Guide "Invalidate files to remove content".
"""

from __future__ import annotations

import re
import time

from nextstack_lab.edge import request as edge_request
from nextstack_lab.edge_fixtures import CACHING_OPTIMIZED, EchoOrigin, behavior, create_distribution, custom_origin, edge_server


def x_cache(edge, path: str) -> str:
    status, _, headers, _ = edge_request(edge.url, path)
    assert status == 200, (path, status)
    return headers["X-Cache"]


def test_an_invalidation_past_the_first_page_purges(aws, edge_binary):
    """With 100 invalidations already listed, the 101st is on ListInvalidations' second page; it still purges what
    it names (the edge follows NextMarker), and the 100 before it are applied once each."""
    cf = aws.client("cloudfront", "us-east-1")
    with EchoOrigin("echo") as echo:
        dist = create_distribution(cf, [custom_origin("echo", echo.port)], behavior("echo", cache=CACHING_OPTIMIZED))
        with edge_server(edge_binary, aws, dist) as edge:
            x_cache(edge, "/late")
            assert x_cache(edge, "/late") == "Hit from cloudfront"
            for n in range(100):
                cf.create_invalidation(DistributionId=dist.id, InvalidationBatch={
                    "CallerReference": "filler-%d" % n, "Paths": {"Quantity": 1, "Items": ["/filler-%d" % n]}})
            listed = cf.list_invalidations(DistributionId=dist.id)["InvalidationList"]
            assert listed["IsTruncated"] is False and listed["Quantity"] == 100
            late = cf.create_invalidation(DistributionId=dist.id, InvalidationBatch={
                "CallerReference": "late", "Paths": {"Quantity": 1, "Items": ["/late"]}})["Invalidation"]["Id"]
            first = cf.list_invalidations(DistributionId=dist.id)["InvalidationList"]
            assert first["IsTruncated"] is True and late not in [i["Id"] for i in first["Items"]], first["Quantity"]

            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and x_cache(edge, "/late") != "Miss from cloudfront":
                time.sleep(0.3)
            assert x_cache(edge, "/late") == "Hit from cloudfront"  # cached again after the Miss
            assert echo.count("/late") == 2, edge.stderr()[-3000:]
            assert re.search(r"invalidation %s: 1 path\(s\), 1 cached object\(s\) removed" % late, edge.stderr())
            applied = re.findall(r"invalidation (\S+): 1 path\(s\)", edge.stderr())
            assert len(applied) == len(set(applied)) == 101, applied
