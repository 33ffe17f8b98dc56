"""The service stack: functions, API, queues, SES configuration set, topics, schedule and alarms.
Stateless: it can be destroyed and redeployed; the data lives in the stateful stack."""

from aws_cdk import Aws, CfnOutput, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from consentmail.core.routes import Function, http_functions
from consentmail.core.settings import PREFIX
from consentmail.core.tables import SCHEMAS, Table
from infra.config import Config
from infra.constructs.api import PublicApi
from infra.constructs.capabilities import Accounts, SubjectRequests, Subscription, Tracking
from infra.constructs.console import ConsoleSite
from infra.constructs.layers import Layers
from infra.constructs.mailing import CONFIGURATION_SET, Mailing
from infra.constructs.messaging import Messaging
from infra.constructs.monitoring import Monitoring
from infra.constructs.nag import acknowledge
from infra.constructs.purge import Purge
from infra.constructs.queues import SendingQueues
from infra.constructs.scheduling import CampaignScheduling
from infra.constructs.sending import Sending
from infra.constructs.ses_events import SesEvents
from infra.constructs.shared import ServiceResources
from infra.constructs.signing_secret import SECRET_NAME
from infra.constructs.tables import table_name
from infra.constructs.transfers import Transfers, origin_of
from infra.constructs.waf import ApiFirewall
from infra.stacks.stateful import StatefulStack


class ServiceStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, config: Config, data: StatefulStack, **kwargs):
        super().__init__(scope, construct_id, **kwargs)
        self.add_stack_dependency(data, "tables are referenced by name")
        # consentmail's one customer managed key, the data stack's, encrypts the queues, topics and
        # transfer bucket here too (infra/constructs/key_users.py).
        key = self._data_key(data)
        messaging = Messaging(self, "Messaging", key=key, alarm_email=config.alarm_email)
        mailing = Mailing(self, "Mailing", sender_domain=config.sender_domain, key=key)
        queues = SendingQueues(self, "Queues", key=key)
        api = PublicApi(self, "Api", user_pool=data.auth.user_pool)
        scheduling = CampaignScheduling(self, "Scheduling", fanout_queue=queues.fanout)
        # The console is served by the API, so its origin is the public URL's (or the API's own).
        console_origin = (
            origin_of(config.public_url)
            if config.public_url
            else f"https://{api.rest_api.rest_api_id}.execute-api.{Aws.REGION}.{Aws.URL_SUFFIX}"
        )
        transfers = Transfers(self, "Transfers", key=key, console_origin=console_origin)

        shared = ServiceResources(
            layers=Layers(self, "Layers"),
            environment={
                **self._settings_environment(config, data, api, mailing, queues, messaging),
                **{PREFIX + name: value for name, value in scheduling.environment().items()},
                **{PREFIX + name: value for name, value in transfers.environment().items()},
            },
            tables=self._tables(data),
            secret=self._signing_secret(data),
            user_pool=data.auth.user_pool,
            mailing=mailing,
            queues=queues,
            operator_topic=messaging.operator_topic,
            key=key,
        )
        subscription = Subscription(self, "Subscription", shared=shared)
        tracking = Tracking(self, "Tracking", shared=shared)
        accounts = Accounts(self, "Accounts", shared=shared)
        scheduling.allow_managing(accounts.handler)
        transfers.allow_requests(accounts.handler)
        importer, exporter = transfers.workers(shared)
        subject_requests = SubjectRequests(self, "SubjectRequests", shared=shared)
        ses_events = SesEvents(self, "SesEvents", shared=shared)
        sending = Sending(self, "Sending", shared=shared, max_send_rate=config.max_send_rate)
        purge = Purge(self, "Purge", shared=shared)
        transfers.allow_purging(purge.purge)

        api_functions = {
            Function.SUBSCRIPTION: subscription.handler.function,
            Function.TRACKING: tracking.handler.function,
            Function.ACCOUNTS: accounts.handler.function,
            Function.SUBJECT_REQUESTS: subject_requests.handler.function,
            Function.SES_WEBHOOK: ses_events.webhook.function,
        }
        missing = set(http_functions()) - set(api_functions)
        if missing:
            raise ValueError(f"routes name functions the service stack does not build: {sorted(missing)}")
        api.add_routes(api_functions)
        self.console = ConsoleSite(self, "Console", rest_api=api.rest_api)

        if config.waf:
            ApiFirewall(self, "Firewall", stage=api.stage)
        else:
            acknowledge(
                api.stage,
                "AwsSolutions-APIG3",
                "The operator turned AWS WAF off (context waf=false; it is on by default, with per-IP "
                "limits): every route keeps API Gateway's route-wide throttle, account routes need a Cognito "
                "token and the anonymous ones act only on signed tokens or send at most one opt-in per "
                "address per 10 min.",
            )

        monitoring = Monitoring(self, "Monitoring", topic=messaging.operator_topic)
        monitoring.functions(
            (
                subscription.handler,
                tracking.handler,
                accounts.handler,
                subject_requests.handler,
                ses_events.events,
                ses_events.webhook,
                sending.fanout,
                sending.sender,
                purge.purge,
                importer,
                exporter,
            )
        )
        monitoring.dead_letters("fanout", queues.fanout_dlq, "Campaign fan-outs")
        monitoring.dead_letters("send", queues.send_dlq, "Recipient batches")
        monitoring.dead_letters("ses-events", ses_events.dead_letters, "SES events")
        monitoring.dead_letters("import", transfers.import_dlq, "Large imports")
        monitoring.dead_letters("export", transfers.export_dlq, "Large exports")
        monitoring.api(api)
        monitoring.ses_reputation()
        monitoring.late_deletions()
        monitoring.campaign_failures()

        self.api = api
        self.mailing = mailing
        self.purge = purge
        CfnOutput(self, "ApiUrl", value=api.rest_api.url)
        CfnOutput(self, "PublicUrl", value=shared.environment[PREFIX + "PUBLIC_URL"])
        CfnOutput(self, "OperatorTopicArn", value=messaging.operator_topic.topic_arn)
        CfnOutput(self, "SesEventsTopicArn", value=mailing.events_topic.topic_arn)
        CfnOutput(self, "TransferBucket", value=transfers.bucket_name)
        for n, (name, value) in enumerate(
            (
                (mailing.identity.dkim_dns_token_name1, mailing.identity.dkim_dns_token_value1),
                (mailing.identity.dkim_dns_token_name2, mailing.identity.dkim_dns_token_value2),
                (mailing.identity.dkim_dns_token_name3, mailing.identity.dkim_dns_token_value3),
            ),
            start=1,
        ):
            CfnOutput(
                self, f"DkimRecord{n}", value=f"{name} CNAME {value}", description="DNS record for SES DKIM"
            )

    def _signing_secret(self, data: StatefulStack) -> secretsmanager.ISecret:
        """The stateful stack's secret, referenced by ARN with its key: granting on the construct
        itself would write this stack's role ARNs into the data key's policy (a stack cycle);
        on a reference, grants land in the role policies here, with the kms:ViaService condition."""
        return secretsmanager.Secret.from_secret_attributes(
            self,
            "SigningSecret",
            secret_complete_arn=data.signing.secret.secret_arn,
            encryption_key=self._data_key(data),
        )

    def _data_key(self, data: StatefulStack) -> kms.IKey:
        if self.node.try_find_child("DataKey") is None:
            kms.Key.from_key_arn(self, "DataKey", data.key.key_arn)
        return self.node.find_child("DataKey")

    def _tables(self, data: StatefulStack) -> dict[Table, dynamodb.ITable]:
        """The tables by their fixed names, with their key and indexes (grants then cover the
        indexes too); only the key ARN crosses stacks."""
        return {
            schema.table: dynamodb.Table.from_table_attributes(
                self,
                f"Table{schema.table.name.capitalize()}",
                table_name=table_name(schema.table),
                encryption_key=self._data_key(data),
                global_indexes=[index.name for index in schema.indexes],
            )
            for schema in SCHEMAS.values()
        }

    @staticmethod
    def _settings_environment(
        config: Config,
        data: StatefulStack,
        api: PublicApi,
        mailing: Mailing,
        queues: SendingQueues,
        messaging: Messaging,
    ) -> dict[str, str]:
        """The environment `consentmail.core.settings` reads (AWS_REGION is set by Lambda itself)."""
        environment = {
            PREFIX + "PUBLIC_URL": config.public_url or api.default_url,
            PREFIX + "SIGNING_SECRET": SECRET_NAME,
            PREFIX + "SES_CONFIGURATION_SET": CONFIGURATION_SET,
            PREFIX + "SYSTEM_FROM": config.system_from,
            PREFIX + "FANOUT_QUEUE_URL": queues.fanout.queue_url,
            PREFIX + "SEND_QUEUE_URL": queues.send.queue_url,
            PREFIX + "USER_POOL_ID": data.auth.user_pool.user_pool_id,
            PREFIX + "USER_POOL_CLIENT_ID": data.auth.client.user_pool_client_id,
            PREFIX + "MAX_SEND_RATE": f"{config.max_send_rate:g}",
            PREFIX + "SNS_TOPIC_ARNS": ",".join((mailing.events_topic.topic_arn, *config.webhook_topics)),
            PREFIX + "SNS_REGIONS": ",".join((Aws.REGION, *config.webhook_regions)),
            PREFIX + "OPERATOR_TOPIC_ARN": messaging.operator_topic.topic_arn,
        }
        for schema in SCHEMAS.values():
            environment[schema.env_var] = table_name(schema.table)
        return environment
