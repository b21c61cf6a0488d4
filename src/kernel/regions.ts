/**
 * The regions of AWS's commercial partition (as botocore's endpoints.json lists them). A call
 * signed for another name is refused, as AWS refuses it, so that a typo cannot quietly open a
 * region of its own; berth's own default region (`--region`) is always accepted.
 */
export const AWS_REGIONS: ReadonlySet<string> = new Set([
  'af-south-1',
  'ap-east-1',
  'ap-east-2',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-south-1',
  'ap-south-2',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-southeast-3',
  'ap-southeast-4',
  'ap-southeast-5',
  'ap-southeast-6',
  'ap-southeast-7',
  'ca-central-1',
  'ca-west-1',
  'eu-central-1',
  'eu-central-2',
  'eu-north-1',
  'eu-south-1',
  'eu-south-2',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'il-central-1',
  'me-central-1',
  'me-south-1',
  'mx-central-1',
  'sa-east-1',
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
]);

/** A region name's shape: `us-east-1`, `ap-southeast-7`. */
export const REGION_SHAPE = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
