import type * as cwl from '@aws-sdk/client-cloudwatch-logs';
import { type BerthError, invalidParameter } from '../../kernel/index.js';
import {
  type LogsDeps,
  createLogGroup,
  deleteLogGroup,
  describeLogGroups,
  getLogGroup,
  setRetention,
  tagLogGroup,
  putLogEvents,
  filterLogEvents,
  getLogEvents,
  createLogStream,
  deleteLogStream,
  describeLogStreams,
  groupStoredBytes,
  type LogGroupRecord,
} from '../../logs/index.js';
import { paginate } from '../pagination.js';
import { defineService, type AwsService } from '../service.js';

type Out<T> = Omit<T, '$metadata'>;
type Empty = Record<string, never>;

/** CloudWatch Logs' exception names, by kind: its domain has no finer reasons. */
function logsErrorCode(e: BerthError): string | undefined {
  if (e.kind === 'NotFound') return 'ResourceNotFoundException';
  if (e.kind === 'AlreadyExists') return 'ResourceAlreadyExistsException';
  if (e.kind === 'InvalidParameter') return 'InvalidParameterException';
  if (e.kind === 'LimitExceeded') return 'LimitExceededException';
  if (e.kind === 'Unavailable' || e.kind === 'Internal') return 'ServiceUnavailableException';
  return undefined;
}

const toGroup = (g: LogGroupRecord, storedBytes = 0): cwl.LogGroup => ({
  logGroupName: g.name,
  creationTime: g.createdAt,
  ...(g.retentionInDays ? { retentionInDays: g.retentionInDays } : {}),
  metricFilterCount: 0,
  arn: `${g.arn}:*`,
  logGroupArn: g.arn,
  storedBytes,
  logGroupClass: g.logGroupClass as cwl.LogGroupClass,
  ...(g.kmsKeyId ? { kmsKeyId: g.kmsKeyId } : {}),
});

const GROUP_ARN = /^arn:[^:]+:logs:[^:]*:[^:]*:log-group:([^:]+)(?::\*)?$/;

/** A log group named by name, or by ARN (`logGroupIdentifier`). */
function groupOf(i: { logGroupName?: string; logGroupIdentifier?: string }): string {
  const ref = i.logGroupName ?? i.logGroupIdentifier;
  if (!ref)
    throw invalidParameter('Either logGroupName or logGroupIdentifier must be specified.', { field: 'logGroupName' });
  const m = GROUP_ARN.exec(ref);
  return m ? (m[1] as string) : ref;
}

function groupFromArn(arn: string): string {
  const m = GROUP_ARN.exec(arn);
  if (!m) throw invalidParameter(`Invalid resource ARN: ${arn}`, { field: 'resourceArn' });
  return m[1] as string;
}

/** CloudWatch Logs (JSON 1.1, Logs_20140328) over berth's log store. */
export function logsService(deps: LogsDeps): AwsService {
  return defineService('logs', {
    validationErrorCode: 'InvalidParameterException',
    errorCode: logsErrorCode,
    handlers: {
      CreateLogGroup: async (i: cwl.CreateLogGroupRequest): Promise<Empty> => {
        await createLogGroup(deps, {
          logGroupName: i.logGroupName as string,
          ...(i.tags ? { tags: i.tags } : {}),
          ...(i.logGroupClass ? { logGroupClass: i.logGroupClass } : {}),
          ...(i.kmsKeyId ? { kmsKeyId: i.kmsKeyId } : {}),
        });
        return {};
      },
      DeleteLogGroup: async (i: cwl.DeleteLogGroupRequest): Promise<Empty> => {
        await deleteLogGroup(deps, i.logGroupName as string);
        return {};
      },
      DescribeLogGroups: async (i: cwl.DescribeLogGroupsRequest): Promise<Out<cwl.DescribeLogGroupsResponse>> => {
        const all = describeLogGroups(deps, {
          ...(i.logGroupNamePrefix ? { logGroupNamePrefix: i.logGroupNamePrefix } : {}),
          ...(i.logGroupNamePattern ? { logGroupNamePattern: i.logGroupNamePattern } : {}),
        });
        const { page, nextToken } = paginate(all, (g) => g.name, i.limit, i.nextToken, 50);
        return {
          logGroups: page.map((g) => toGroup(g, groupStoredBytes(deps, g.name))),
          ...(nextToken ? { nextToken } : {}),
        };
      },
      PutRetentionPolicy: async (i: cwl.PutRetentionPolicyRequest): Promise<Empty> => {
        await setRetention(deps, i.logGroupName as string, i.retentionInDays);
        return {};
      },
      DeleteRetentionPolicy: async (i: cwl.DeleteRetentionPolicyRequest): Promise<Empty> => {
        await setRetention(deps, i.logGroupName as string, undefined);
        return {};
      },
      CreateLogStream: async (i: cwl.CreateLogStreamRequest): Promise<Empty> => {
        await createLogStream(deps, i.logGroupName as string, i.logStreamName as string);
        return {};
      },
      DeleteLogStream: async (i: cwl.DeleteLogStreamRequest): Promise<Empty> => {
        await deleteLogStream(deps, i.logGroupName as string, i.logStreamName as string);
        return {};
      },
      DescribeLogStreams: async (i: cwl.DescribeLogStreamsRequest): Promise<Out<cwl.DescribeLogStreamsResponse>> => {
        const all = describeLogStreams(deps, {
          logGroupName: groupOf(i),
          ...(i.logStreamNamePrefix ? { logStreamNamePrefix: i.logStreamNamePrefix } : {}),
          ...(i.orderBy ? { orderBy: i.orderBy } : {}),
          ...(i.descending ? { descending: true } : {}),
        });
        const { page, nextToken } = paginate(all, (s) => s.name, i.limit, i.nextToken, 50);
        return {
          logStreams: page.map((s) => ({
            logStreamName: s.name,
            creationTime: s.createdAt,
            ...(s.firstEventTimestamp !== undefined ? { firstEventTimestamp: s.firstEventTimestamp } : {}),
            ...(s.lastEventTimestamp !== undefined ? { lastEventTimestamp: s.lastEventTimestamp } : {}),
            ...(s.lastIngestionTime !== undefined ? { lastIngestionTime: s.lastIngestionTime } : {}),
            uploadSequenceToken: String(s.nextSeq).padStart(56, '0'),
            arn: s.arn,
            storedBytes: 0,
          })),
          ...(nextToken ? { nextToken } : {}),
        };
      },
      PutLogEvents: async (i: cwl.PutLogEventsRequest): Promise<Out<cwl.PutLogEventsResponse>> =>
        putLogEvents(
          deps,
          i.logGroupName as string,
          i.logStreamName as string,
          (i.logEvents ?? []).map((e) => ({ timestamp: e.timestamp as number, message: e.message as string })),
        ),
      GetLogEvents: async (i: cwl.GetLogEventsRequest): Promise<Out<cwl.GetLogEventsResponse>> =>
        getLogEvents(deps, {
          logGroupName: groupOf(i),
          logStreamName: i.logStreamName as string,
          ...(i.startTime !== undefined ? { startTime: i.startTime } : {}),
          ...(i.endTime !== undefined ? { endTime: i.endTime } : {}),
          ...(i.nextToken ? { nextToken: i.nextToken } : {}),
          ...(i.limit !== undefined ? { limit: i.limit } : {}),
          ...(i.startFromHead !== undefined ? { startFromHead: i.startFromHead } : {}),
        }),
      FilterLogEvents: async (i: cwl.FilterLogEventsRequest): Promise<Out<cwl.FilterLogEventsResponse>> =>
        filterLogEvents(deps, {
          logGroupName: groupOf(i),
          ...(i.logStreamNames ? { logStreamNames: i.logStreamNames } : {}),
          ...(i.logStreamNamePrefix ? { logStreamNamePrefix: i.logStreamNamePrefix } : {}),
          ...(i.startTime !== undefined ? { startTime: i.startTime } : {}),
          ...(i.endTime !== undefined ? { endTime: i.endTime } : {}),
          ...(i.filterPattern ? { filterPattern: i.filterPattern } : {}),
          ...(i.nextToken ? { nextToken: i.nextToken } : {}),
          ...(i.limit !== undefined ? { limit: i.limit } : {}),
        }),
      TagResource: async (i: cwl.TagResourceRequest): Promise<Empty> => {
        await tagLogGroup(deps, groupFromArn(i.resourceArn as string), (t) => ({ ...t, ...i.tags }));
        return {};
      },
      UntagResource: async (i: cwl.UntagResourceRequest): Promise<Empty> => {
        await tagLogGroup(deps, groupFromArn(i.resourceArn as string), (t) =>
          Object.fromEntries(Object.entries(t).filter(([k]) => !(i.tagKeys ?? []).includes(k))),
        );
        return {};
      },
      ListTagsForResource: async (
        i: cwl.ListTagsForResourceRequest,
      ): Promise<Out<cwl.ListTagsForResourceResponse>> => ({
        tags: getLogGroup(deps, groupFromArn(i.resourceArn as string)).tags,
      }),
      TagLogGroup: async (i: cwl.TagLogGroupRequest): Promise<Empty> => {
        await tagLogGroup(deps, i.logGroupName as string, (t) => ({ ...t, ...i.tags }));
        return {};
      },
      UntagLogGroup: async (i: cwl.UntagLogGroupRequest): Promise<Empty> => {
        await tagLogGroup(deps, i.logGroupName as string, (t) =>
          Object.fromEntries(Object.entries(t).filter(([k]) => !(i.tags ?? []).includes(k))),
        );
        return {};
      },
      ListTagsLogGroup: async (i: cwl.ListTagsLogGroupRequest): Promise<Out<cwl.ListTagsLogGroupResponse>> => ({
        tags: getLogGroup(deps, i.logGroupName as string).tags,
      }),
    },
  });
}
