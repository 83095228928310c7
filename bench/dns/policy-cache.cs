#:project ../../src/Palisade.Policy/Palisade.Policy.csproj
#:property TreatWarningsAsErrors=false
#:property EnforceCodeStyleInBuild=false
using Palisade.Policy;
using Palisade.Log;

// A verified-cache directory holding a policy of N entries, for measuring `palisade dns` start and memory.
int n = int.Parse(args[0]);
string dir = args[1];
Directory.CreateDirectory(dir);
var signer = NoteSigner.Generate("bench.test/log");
var orders = new PolicyOrder[(n + 999) / 1000];
for (int i = 0; i < orders.Length; i++) orders[i] = new PolicyOrder($"rkn/B-{i}", "court-order", 0, null);
string[] tlds = ["com", "net", "org", "ru", "de", "info", "xn--p1ai", "io", "cn", "uk"];
var entries = new BundleEntry[n];
for (int i = 0; i < n; i++)
{
    string name = $"blocked-{i}.{(i % 7 == 0 ? "sub." : "")}example-{i % 997}.{tlds[i % tlds.Length]}";
    entries[i] = new BundleEntry(i % 20 == 0 ? "*." + name : name, orders[i / 1000]);
}
Array.Sort(entries, BundleEntry.Compare);
var bundle = new PolicyBundle("bench.test/log", 1, 1, new byte[32], 0, entries);
byte[] bytes = bundle.ToBytes();
File.WriteAllBytes(Path.Combine(dir, "policy.bundle"), bytes);
File.WriteAllText(Path.Combine(dir, "policy.bundle.sig"), BundleSignature.Sign(signer, "bundle", 1, bytes));
File.WriteAllText(Path.Combine(dir, "registry.key"), signer.VerifierKey + "\n");
Console.WriteLine($"{n} entries, {bytes.Length / 1048576} MiB, key {signer.VerifierKey}");
