using Palisade.Cli;

return PalisadeCli.Run(args, Console.In, Console.Out, Console.Error);
