"""A stock Python gRPC client lists and describes a pocnet node's services by
reflection (grpcio-reflection speaks v1alpha only). Prints what it found;
exits non-zero if a service or method is missing. Usage: reflection.py HOST:PORT"""

import sys

import grpc
from google.protobuf.descriptor_pool import DescriptorPool
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase,
)

channel = grpc.insecure_channel(sys.argv[1])
database = ProtoReflectionDescriptorDatabase(channel)
services = sorted(database.get_services())
print("services:", ", ".join(services))
pool = DescriptorPool(database)
for name in ("pocnet.v1.Simulation", "pocnet.v1.ContactPoint"):
    if name not in services:
        sys.exit(f"{name} is not listed")
    service = pool.FindServiceByName(name)
    methods = [f"{m.name}({m.input_type.full_name}) returns ({m.output_type.full_name})" for m in service.methods]
    print(f"{name}:", "; ".join(methods))
simulation = pool.FindServiceByName("pocnet.v1.Simulation")
if {m.name for m in simulation.methods} < {"Configure", "Advance", "End"}:
    sys.exit("Simulation lacks a method")
fields = [f.name for f in pool.FindMessageTypeByName("pocnet.v1.AdvanceRequest").fields]
print("pocnet.v1.AdvanceRequest fields:", ", ".join(fields))
