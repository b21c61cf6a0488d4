// The AWS managed policies that container users attach by ARN, with their documents as AWS
// publishes them. They belong to no account (`arn:aws:iam::aws:policy/…`), cannot be changed,
// and are listed with `--scope AWS`.

export interface AwsManagedPolicy {
  name: string;
  path: string;
  description: string;
  document: string;
}

type Stmt = Record<string, unknown>;
const doc = (...Statement: Stmt[]) => JSON.stringify({ Version: '2012-10-17', Statement }, null, 2);
const allowAll = (Action: string | string[], extra: Stmt = {}) => ({
  Effect: 'Allow',
  Action,
  Resource: '*',
  ...extra,
});

const ecrRead = [
  'ecr:GetAuthorizationToken',
  'ecr:BatchCheckLayerAvailability',
  'ecr:GetDownloadUrlForLayer',
  'ecr:GetRepositoryPolicy',
  'ecr:DescribeRepositories',
  'ecr:ListImages',
  'ecr:DescribeImages',
  'ecr:BatchGetImage',
  'ecr:GetLifecyclePolicy',
  'ecr:GetLifecyclePolicyPreview',
  'ecr:ListTagsForResource',
  'ecr:DescribeImageScanFindings',
];

const POLICIES: AwsManagedPolicy[] = [
  {
    name: 'AdministratorAccess',
    path: '/',
    description: 'Provides full access to AWS services and resources.',
    document: doc(allowAll('*')),
  },
  {
    name: 'PowerUserAccess',
    path: '/',
    description:
      'Provides full access to AWS services and resources, but does not allow management of Users and groups.',
    document: doc(
      { Effect: 'Allow', NotAction: ['iam:*', 'organizations:*', 'account:*'], Resource: '*' },
      allowAll([
        'iam:CreateServiceLinkedRole',
        'iam:DeleteServiceLinkedRole',
        'iam:ListRoles',
        'organizations:DescribeOrganization',
        'account:ListRegions',
        'account:GetAccountInformation',
      ]),
    ),
  },
  {
    name: 'IAMReadOnlyAccess',
    path: '/',
    description: 'Provides read only access to IAM via the AWS Management Console.',
    document: doc(
      allowAll([
        'iam:GenerateCredentialReport',
        'iam:GenerateServiceLastAccessedDetails',
        'iam:Get*',
        'iam:List*',
        'iam:SimulateCustomPolicy',
        'iam:SimulatePrincipalPolicy',
      ]),
    ),
  },
  {
    name: 'AmazonECSTaskExecutionRolePolicy',
    path: '/service-role/',
    description: 'Provides access to other AWS service resources that are required to run Amazon ECS tasks',
    document: doc(
      allowAll([
        'ecr:GetAuthorizationToken',
        'ecr:BatchCheckLayerAvailability',
        'ecr:GetDownloadUrlForLayer',
        'ecr:BatchGetImage',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
      ]),
    ),
  },
  {
    name: 'AmazonEC2ContainerServiceforEC2Role',
    path: '/service-role/',
    description: 'Default policy for the Amazon EC2 Role for Amazon EC2 Container Service.',
    document: doc(
      allowAll([
        'ec2:DescribeTags',
        'ecs:CreateCluster',
        'ecs:DeregisterContainerInstance',
        'ecs:DiscoverPollEndpoint',
        'ecs:Poll',
        'ecs:RegisterContainerInstance',
        'ecs:StartTelemetrySession',
        'ecs:UpdateContainerInstancesState',
        'ecs:Submit*',
        'ecr:GetAuthorizationToken',
        'ecr:BatchCheckLayerAvailability',
        'ecr:GetDownloadUrlForLayer',
        'ecr:BatchGetImage',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
      ]),
      allowAll('ecs:TagResource', {
        Condition: { StringEquals: { 'ecs:CreateAction': ['CreateCluster', 'RegisterContainerInstance'] } },
      }),
    ),
  },
  {
    name: 'AmazonEC2ContainerRegistryReadOnly',
    path: '/',
    description: 'Provides read-only access to Amazon EC2 Container Registry repositories.',
    document: doc(allowAll(ecrRead)),
  },
  {
    name: 'AmazonEC2ContainerRegistryPowerUser',
    path: '/',
    description:
      'Provides full access to Amazon EC2 Container Registry repositories, but does not allow repository deletion or policy changes.',
    document: doc(
      allowAll([
        ...ecrRead,
        'ecr:InitiateLayerUpload',
        'ecr:UploadLayerPart',
        'ecr:CompleteLayerUpload',
        'ecr:PutImage',
      ]),
    ),
  },
  {
    name: 'AmazonEC2ContainerRegistryFullAccess',
    path: '/',
    description: 'Provides administrative access to Amazon ECR resources',
    document: doc(
      allowAll('ecr:*'),
      allowAll('iam:CreateServiceLinkedRole', {
        Condition: { StringEquals: { 'iam:AWSServiceName': 'replication.ecr.amazonaws.com' } },
      }),
    ),
  },
  {
    name: 'CloudWatchLogsFullAccess',
    path: '/',
    description: 'Provides full access to CloudWatch Logs',
    document: doc(allowAll(['logs:*', 'cloudwatch:GenerateQuery'])),
  },
  {
    name: 'CloudWatchLogsReadOnlyAccess',
    path: '/',
    description: 'Provides read only access to CloudWatch Logs',
    document: doc(
      allowAll([
        'logs:Describe*',
        'logs:Get*',
        'logs:List*',
        'logs:StartQuery',
        'logs:StopQuery',
        'logs:TestMetricFilter',
        'logs:FilterLogEvents',
        'logs:StartLiveTail',
        'logs:StopLiveTail',
        'cloudwatch:GenerateQuery',
      ]),
    ),
  },
  {
    name: 'AmazonSSMReadOnlyAccess',
    path: '/',
    description: 'Provides read only access to Amazon SSM.',
    document: doc(allowAll(['ssm:Describe*', 'ssm:Get*', 'ssm:List*'])),
  },
];

export const awsManagedPolicyArn = (p: AwsManagedPolicy) => `arn:aws:iam::aws:policy${p.path}${p.name}`;

const BY_ARN = new Map(POLICIES.map((p) => [awsManagedPolicyArn(p), p]));

/** An AWS managed policy by ARN (undefined for any other ARN). */
export const awsManagedPolicy = (arn: string): AwsManagedPolicy | undefined => BY_ARN.get(arn);

export const awsManagedPolicies = (): readonly AwsManagedPolicy[] => POLICIES;
