using System.Text.Json.Serialization;

namespace Palisade.Registry.Api;

/// <summary>Source-generated JSON for every request and response: camelCase, unknown members refused.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    AllowDuplicateProperties = false,
    WriteIndented = false)]
[JsonSerializable(typeof(IssueOrderRequest))]
[JsonSerializable(typeof(AmendOrderRequest))]
[JsonSerializable(typeof(RevokeOrderRequest))]
[JsonSerializable(typeof(AddAuthorityRequest))]
[JsonSerializable(typeof(CreateKeyRequest))]
[JsonSerializable(typeof(OrderEventCreated))]
[JsonSerializable(typeof(OrderPreview))]
[JsonSerializable(typeof(AuthorityView))]
[JsonSerializable(typeof(List<AuthorityView>))]
[JsonSerializable(typeof(KeyCreated))]
[JsonSerializable(typeof(OrderView))]
[JsonSerializable(typeof(OrderList))]
[JsonSerializable(typeof(List<OrderSummary>))]
[JsonSerializable(typeof(LookupResult))]
[JsonSerializable(typeof(List<DelistingResult>))]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(NoticeView))]
[JsonSerializable(typeof(List<OperatorView>))]
[JsonSerializable(typeof(OperatorView))]
[JsonSerializable(typeof(PointView))]
[JsonSerializable(typeof(AckView))]
[JsonSerializable(typeof(AddOperatorRequest))]
[JsonSerializable(typeof(AddPointRequest))]
[JsonSerializable(typeof(InclusionProofView))]
[JsonSerializable(typeof(ConsistencyProofView))]
[JsonSerializable(typeof(List<MirrorView>))]
[JsonSerializable(typeof(ProbeView))]
[JsonSerializable(typeof(List<ProbeView>))]
[JsonSerializable(typeof(AddProbeRequest))]
[JsonSerializable(typeof(WitnessLogRequest))]
[JsonSerializable(typeof(SubmitMeasurementsRequest))]
[JsonSerializable(typeof(ReportView))]
[JsonSerializable(typeof(List<MeasurementView>))]
[JsonSerializable(typeof(OperatorMeasurements))]
public sealed partial class RegistryJsonContext : JsonSerializerContext;
