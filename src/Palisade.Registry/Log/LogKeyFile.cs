using System.Security.Cryptography;
using Palisade.Log;
using Palisade.Registry.Storage;

namespace Palisade.Registry;

/// <summary>
/// The log key, <c>log.key</c> in the data directory: the log's identity. The first process to open an empty store
/// creates it (readable by its owner only) and records its origin in the store; every later process, on any node, needs
/// a copy of the same file.
/// </summary>
internal static class LogKeyFile
{
    public static NoteSigner LoadOrCreate(RegistryOptions options, RegistryStore store)
    {
        // The origin is set under the store's write lock, so that of several nodes starting on an empty database one
        // creates the log's identity and the others find it.
        using RegistrySession session = store.BeginWrite();
        string? origin = session.GetMeta("origin");
        if (File.Exists(options.LogKeyPath))
        {
            NoteSigner signer;
            try
            {
                signer = NoteSigner.ParsePrivateKey(File.ReadAllText(options.LogKeyPath));
            }
            catch (FormatException e)
            {
                throw new RegistryConfigurationException($"the log key {options.LogKeyPath} is not a signed-note private key: {e.Message}", e);
            }

            if (origin is not null && origin != signer.Name)
            {
                signer.Dispose();
                throw new RegistryConfigurationException($"the log key {options.LogKeyPath} is for origin {signer.Name}, but the database's log has origin {origin}");
            }

            if (options.Origin is not null && options.Origin != signer.Name)
            {
                signer.Dispose();
                throw new RegistryConfigurationException($"Palisade:Origin is {options.Origin}, but this log was created with origin {signer.Name}; an origin cannot change");
            }

            session.SetMeta("origin", signer.Name);
            session.Commit();
            return signer;
        }

        if (origin is not null)
        {
            throw new RegistryConfigurationException($"{store.Description} holds the log of origin {origin}, but {options.LogKeyPath} is missing: copy log.key from the data directory of the node that created the log (the log key is the log's identity and cannot be made again)");
        }

        string name = options.Origin ?? "palisade.local/" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        NoteSigner created = NoteSigner.Generate(name);
        SecretFile.Write(options.LogKeyPath, created.ExportPrivateKey() + "\n");
        session.SetMeta("origin", name);
        session.Commit();
        return created;
    }
}
