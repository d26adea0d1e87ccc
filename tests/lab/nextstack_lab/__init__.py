"""nextstack_lab: the test lab that the end-to-end tests, examples/*/run.sh and bench/ share.

Where it lives: tests/lab/nextstack_lab. pytest puts tests/lab on sys.path (tests/pytest.ini's `pythonpath`), and
so do bench/common/bench_env.py and harness.MotoServer (for the moto server it starts); anything else runs with
PYTHONPATH=tests/lab. harness.py imports only the standard library, so examples/*/run.sh run it by path.

One job per module:
    harness          real Terraform, the built provider and nextstack-lint, the moto server (MotoServer); its
                     command line serves examples/*/run.sh
    moto_server      `python -m nextstack_lab.moto_server -H HOST -p PORT`: moto_server's main with the patches
    moto_patches/    the fixes for the emulator, one module per AWS service, each patch registered by @patch
    aws_proxy        a reverse proxy in front of moto: counts requests, injects AWS errors (Fault)
    layout           an example copied to scratch (with modules/ beside it); run_parallel for a stage's stacks
    dns_account      the DNS account (111111111111) and its hosted zones and records
    acm_and_alias    Terraform snippets and reads of the provider's nextstack_acm_certificate / nextstack_dns_alias
                     tests
    nextjs_builds    real OpenNext builds of tests/nextjs-app, cached
    browser          Debian's Chromium under Playwright, recording every exchange
    edge             EdgeServer: nextstack-edge run against moto; request() for raw requests to its servers
    edge_fixtures    small CloudFront distributions made with boto3, served by nextstack-edge
    alb_fixtures     small Application Load Balancers made with boto3, served by nextstack-edge
    six_stack        the six-stack layout: its deploy stages (from nextstack-lint graph), DNS zone, leftovers
    six_stack_site   the applied six-stack served by nextstack-edge: the images file, the serve, the checks
    static_fargate_site  the static-fargate-api layout's site and API served by nextstack-edge
    postgres         a real PostgreSQL (Debian's packages) started for a test, TLS only
    django_app       tests/django-app (Django, gunicorn) in its cached virtualenv
    access_logs      checks of the access logging the layouts turn on (log bucket, CloudFront, ALB, S3)
"""
