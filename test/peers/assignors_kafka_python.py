"""kafka-python as a cross-check peer for the consumer assignors and the consumer-protocol formats.

Reads one JSON request per line on stdin and answers one JSON line each on stdout:
  {"op": "encode_metadata", "version", "topics", "user_data": hex|null}        -> {"hex"}
  {"op": "decode_metadata", "hex"}                                             -> {"version", "topics", "user_data"}
  {"op": "encode_assignment", "version", "assignment": [[topic, [p]]], "user_data"} -> {"hex"}
  {"op": "decode_assignment", "hex"}                                           -> {"version", "assignment", "user_data"}
  {"op": "encode_sticky_user_data", "partitions": [[topic, [p]]], "generation"} -> {"hex"}
  {"op": "decode_sticky_user_data", "hex"}                                     -> {"partitions", "generation"}
  {"op": "assign", "assignor": "range"|"roundrobin"|"sticky",
   "topics": {topic: partition_count}, "members": {id: {"topics", "user_data": hex|null}}}
                                                                               -> {"assignment": {id: [[topic, [p]]]}}
Run with PYTHONHASHSEED fixed: kafka-python's sticky assignor iterates Python sets.
"""
import json
import sys

from kafka.coordinator.assignors.range import RangePartitionAssignor
from kafka.coordinator.assignors.roundrobin import RoundRobinPartitionAssignor
from kafka.coordinator.assignors.sticky.sticky_assignor import StickyAssignorUserDataV1, StickyPartitionAssignor
from kafka.coordinator.protocol import ConsumerProtocolMemberAssignment, ConsumerProtocolMemberMetadata

ASSIGNORS = {
    'range': RangePartitionAssignor,
    'roundrobin': RoundRobinPartitionAssignor,
    'sticky': StickyPartitionAssignor,
}


class Cluster:
    """The two ClusterMetadata methods the assignors call."""

    def __init__(self, counts):
        self.counts = counts

    def topics(self, exclude_internal_topics=True):
        return set(self.counts)

    def partitions_for_topic(self, topic):
        count = self.counts.get(topic)
        return None if count is None else set(range(count))


def unhex(value):
    return None if value is None else bytes.fromhex(value)


def tohex(value):
    return None if value is None else value.hex()


def handle(request):
    op = request['op']
    if op == 'encode_metadata':
        data = ConsumerProtocolMemberMetadata(request['version'], request['topics'], unhex(request['user_data']))
        return {'hex': data.encode().hex()}
    if op == 'decode_metadata':
        data = ConsumerProtocolMemberMetadata.decode(bytes.fromhex(request['hex']))
        return {'version': data.version, 'topics': list(data.subscription), 'user_data': tohex(data.user_data)}
    if op == 'encode_assignment':
        assignment = [(topic, partitions) for topic, partitions in request['assignment']]
        data = ConsumerProtocolMemberAssignment(request['version'], assignment, unhex(request['user_data']))
        return {'hex': data.encode().hex()}
    if op == 'decode_assignment':
        data = ConsumerProtocolMemberAssignment.decode(bytes.fromhex(request['hex']))
        assignment = [[topic, list(partitions)] for topic, partitions in data.assignment]
        return {'version': data.version, 'assignment': assignment, 'user_data': tohex(data.user_data)}
    if op == 'encode_sticky_user_data':
        partitions = [(topic, numbers) for topic, numbers in request['partitions']]
        data = StickyAssignorUserDataV1(partitions, request['generation'])  # encode() holds only a weak reference
        return {'hex': data.encode().hex()}
    if op == 'decode_sticky_user_data':
        data = StickyAssignorUserDataV1.decode(bytes.fromhex(request['hex']))
        partitions = [[topic, list(numbers)] for topic, numbers in data.previous_assignment]
        return {'partitions': partitions, 'generation': data.generation}
    if op == 'assign':
        assignor = ASSIGNORS[request['assignor']]
        members = {}
        for member_id, member in request['members'].items():
            user_data = unhex(member['user_data']) or b''
            members[member_id] = ConsumerProtocolMemberMetadata(0, member['topics'], user_data)
        result = assignor.assign(Cluster(request['topics']), members)
        assignment = {}
        for member_id, member_assignment in result.items():
            assignment[member_id] = [[topic, sorted(partitions)] for topic, partitions in member_assignment.assignment]
        return {'assignment': assignment}
    raise ValueError('unknown op ' + op)


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            answer = dict(handle(json.loads(line)), ok=True)
        except Exception as error:  # the test shows the failure; the peer keeps answering
            answer = {'ok': False, 'error': '%s: %s' % (type(error).__name__, error)}
        sys.stdout.write(json.dumps(answer) + '\n')
    sys.stdout.flush()


if __name__ == '__main__':
    main()
